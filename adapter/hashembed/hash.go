package hashembed

// A feature's hash carries its kind and its sign besides its dimension: bit 63 is the sign, bit 62
// is set for pairs of words, and the rest, modulo the dimensions, is the dimension. Keeping the
// kind in the key keeps a pair from counting as a word that happens to hash alike.
const bigramBit = 1 << 62

// FNV-1a, inline: the standard library's hash.Hash64 would cost an allocation and a copy of every
// word, for every feature of every text.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// unigram is the hash of a word feature.
func unigram(w string) uint64 { return fnv(fnvOffset, w) &^ bigramBit }

// bigram is the hash of the pair "a b"; the separator byte keeps ("ab", "c") and ("a", "bc")
// apart.
func bigram(a, b string) uint64 {
	return fnv(fnv(fnv(fnvOffset, a), "\x00"), b) | bigramBit
}

// dimension is where the feature with hash h goes in a vector of dims.
func dimension(h uint64, dims int) int { return int((h &^ (bigramBit | 1<<63)) % uint64(dims)) }
