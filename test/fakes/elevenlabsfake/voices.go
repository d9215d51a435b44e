package elevenlabsfake

// Voice is one voice the server has, as GET /v1/voices describes it.
type Voice struct {
	VoiceID     string            `json:"voice_id"`
	Name        string            `json:"name"`
	Category    string            `json:"category"`
	Labels      map[string]string `json:"labels"`
	Description string            `json:"description,omitempty"`
	PreviewURL  string            `json:"preview_url"`
}

// The ids of DefaultVoices.
const (
	VoiceSarah  = "EXAVITQu4vr4xnSDxMaL"
	VoiceGeorge = "JBFqnCBsd6RMkjVDRZzb"
	VoiceLily   = "pFZP5JQG7iQjIQuC4Bku"
)

// DefaultVoices are a few of ElevenLabs' premade voices, with their labels.
var DefaultVoices = []Voice{
	{VoiceID: VoiceSarah, Name: "Sarah", Category: "premade",
		Labels:     map[string]string{"gender": "female", "accent": "american", "age": "young", "description": "professional", "use_case": "entertainment_tv"},
		PreviewURL: "https://storage.googleapis.com/eleven-public-prod/premade/voices/EXAVITQu4vr4xnSDxMaL/preview.mp3"},
	{VoiceID: VoiceGeorge, Name: "George", Category: "premade",
		Labels:     map[string]string{"gender": "male", "accent": "british", "age": "middle_aged", "description": "warm", "use_case": "narrative_story"},
		PreviewURL: "https://storage.googleapis.com/eleven-public-prod/premade/voices/JBFqnCBsd6RMkjVDRZzb/preview.mp3"},
	{VoiceID: VoiceLily, Name: "Lily", Category: "premade",
		Labels:     map[string]string{"gender": "female", "accent": "british", "age": "middle_aged", "description": "warm", "use_case": "narration"},
		PreviewURL: "https://storage.googleapis.com/eleven-public-prod/premade/voices/pFZP5JQG7iQjIQuC4Bku/preview.mp3"},
}

// Models are the model ids the server accepts, with the most characters one request may hold.
var Models = map[string]int{
	"eleven_multilingual_v2": 10_000,
	"eleven_flash_v2_5":      40_000,
	"eleven_turbo_v2_5":      40_000,
	"eleven_flash_v2":        30_000,
	"eleven_turbo_v2":        30_000,
	"eleven_v3":              5_000,
}

// DefaultModel is what the API uses when model_id is absent.
const DefaultModel = "eleven_multilingual_v2"
