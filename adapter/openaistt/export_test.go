package openaistt

// LanguageCode exposes languageCode to the tests.
var LanguageCode = languageCode
