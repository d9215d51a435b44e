package openaistt

import "strings"

// whisperLanguages are Whisper's language names by ISO 639-1 code (its tokenizer's LANGUAGES,
// for the codes ISO 639-1 has): verbose_json names the language it heard this way ("english"),
// where servers like faster-whisper-server send the code.
var whisperLanguages = map[string]string{
	"en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian", "ko": "korean",
	"fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
	"nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian", "id": "indonesian", "hi": "hindi",
	"fi": "finnish", "vi": "vietnamese", "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
	"cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
	"th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
	"mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak", "te": "telugu", "fa": "persian",
	"lv": "latvian", "bn": "bengali", "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
	"et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian",
	"ne": "nepali", "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
	"gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer", "sn": "shona",
	"yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
	"tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic", "yi": "yiddish", "lo": "lao",
	"uz": "uzbek", "fo": "faroese", "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
	"mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan", "tl": "tagalog",
	"mg": "malagasy", "as": "assamese", "tt": "tatar", "ln": "lingala", "ha": "hausa", "ba": "bashkir",
	"jw": "javanese", "su": "sundanese", "yue": "cantonese",
}

// languageCodes are the codes by name, with the other names Whisper accepts for them.
var languageCodes = func() map[string]string {
	m := map[string]string{
		"burmese": "my", "valencian": "ca", "flemish": "nl", "haitian": "ht", "letzeburgesch": "lb",
		"pushto": "ps", "panjabi": "pa", "moldavian": "ro", "moldovan": "ro", "sinhalese": "si",
		"castilian": "es", "mandarin": "zh",
	}
	for code, name := range whisperLanguages {
		m[name] = code
	}
	return m
}()

// languageCode is what a server said it heard as an ISO 639-1 code: a code as it is (lower
// case), a Whisper name as its code, and "" for anything else.
func languageCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if _, ok := whisperLanguages[s]; ok {
		return s
	}
	if code, ok := languageCodes[s]; ok {
		return code
	}
	if len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		return s
	}
	return ""
}
