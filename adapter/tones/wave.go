package tones

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// The audio format: telephone-plus quality is plenty for tones, and keeps a minute under 3 MB.
const (
	sampleRate = 22_050
	headerSize = 44 // a canonical PCM WAV header
)

// Timing in samples. Each is a whole number of samples at 22 050 Hz, so durations are exact.
const (
	letterSamples  = sampleRate * 60 / 1000  // 60 ms a letter
	minToneSamples = sampleRate * 80 / 1000  // even "a" or "🙂" is heard
	maxToneSamples = sampleRate * 600 / 1000 // long words do not drone
	gapSamples     = sampleRate * 40 / 1000
	fadeSamples    = sampleRate * 5 / 1000 // ramps at both ends: a tone starting at full level clicks
)

// amplitude leaves headroom: the second harmonic adds up to a quarter on top of the fundamental.
const amplitude = 0.35 * math.MaxInt16 / 1.25

// pentatonic are the semitone steps a word's pitch is chosen from: any two of them sound
// pleasant one after the other, so a sentence sounds like a tune rather than noise.
var pentatonic = [...]int{0, 2, 4, 7, 9, 12, 14, 16, 19}

// toneSamples is how long word sounds: 60 ms per letter or digit, within 80–600 ms.
func toneSamples(word string) int {
	letters := 0
	for _, r := range word {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			letters++
		}
	}
	return min(max(letters*letterSamples, minToneSamples), maxToneSamples)
}

// baseFrequency is the voice's lowest note: one of the twelve semitones from 130.8 Hz (C3), so
// voices differ in register.
func baseFrequency(voiceID string) float64 {
	return 130.81 * math.Exp2(float64(hash(voiceID)%12)/12)
}

// pitch is word's frequency in the voice: a step of the pentatonic scale above base, chosen by a
// hash of the voice and the word's letters, so "Day," and "day" sound alike.
func pitch(base float64, voiceID, word string) float64 {
	key := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, word)
	if key == "" {
		key = word // "🙂" and "—" still get a pitch of their own
	}
	step := pentatonic[hash(voiceID+"\x00"+key)%uint64(len(pentatonic))]
	return base * math.Exp2(float64(step)/12)
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// writeTone fills pcm (16-bit little-endian samples) with a tone of freq Hz: a sine with a
// quieter second harmonic, which sounds rounder than a bare sine, faded in and out.
func writeTone(pcm []byte, freq float64) {
	n := len(pcm) / 2
	step := 2 * math.Pi * freq / sampleRate
	for i := range n {
		env := min(1, float64(i)/fadeSamples, float64(n-1-i)/fadeSamples)
		phase := step * float64(i)
		v := amplitude * env * (math.Sin(phase) + 0.25*math.Sin(2*phase))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(math.Round(v))))
	}
}

// writeHeader writes the RIFF/WAVE header of samples 16-bit mono samples at the start of data.
func writeHeader(data []byte, samples int) {
	le := binary.LittleEndian
	size := uint32(2 * samples)
	copy(data[0:], "RIFF")
	le.PutUint32(data[4:], 36+size)
	copy(data[8:], "WAVEfmt ")
	le.PutUint32(data[16:], 16)           // fmt chunk size
	le.PutUint16(data[20:], 1)            // PCM
	le.PutUint16(data[22:], 1)            // mono
	le.PutUint32(data[24:], sampleRate)   // samples a second
	le.PutUint32(data[28:], sampleRate*2) // bytes a second
	le.PutUint16(data[32:], 2)            // bytes a sample frame
	le.PutUint16(data[34:], 16)           // bits a sample
	copy(data[36:], "data")
	le.PutUint32(data[40:], size)
}
