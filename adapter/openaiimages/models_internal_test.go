package openaiimages

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSizeMapping: the nearest aspect ratio, then the smallest size covering the request, else the
// largest; other servers' models get the exact size.
func TestSizeMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model      string
		want, gets image.Point
	}{
		{"dall-e-2", image.Pt(256, 256), image.Pt(256, 256)},
		{"dall-e-2", image.Pt(320, 256), image.Pt(512, 512)},
		{"dall-e-2", image.Pt(512, 768), image.Pt(1024, 1024)},
		{"dall-e-2", image.Pt(2048, 2048), image.Pt(1024, 1024)},
		{"DALL-E-2", image.Pt(64, 64), image.Pt(256, 256)},
		{"dall-e-3", image.Pt(512, 512), image.Pt(1024, 1024)},
		{"dall-e-3", image.Pt(768, 512), image.Pt(1792, 1024)},
		{"dall-e-3", image.Pt(512, 768), image.Pt(1024, 1792)},
		{"dall-e-3", image.Pt(576, 512), image.Pt(1024, 1024)},
		{"gpt-image-1", image.Pt(512, 768), image.Pt(1024, 1536)},
		{"gpt-image-1-mini", image.Pt(768, 512), image.Pt(1536, 1024)},
		{"gpt-image-1.5", image.Pt(2048, 2048), image.Pt(1024, 1024)},
		{"gpt-image-2-2026-04-21", image.Pt(256, 2048), image.Pt(1024, 1536)},
		{"chatgpt-image-latest", image.Pt(512, 512), image.Pt(1024, 1024)},
		{"flux-schnell", image.Pt(512, 768), image.Pt(512, 768)},
		{"dall-e-2000", image.Pt(320, 448), image.Pt(320, 448)},
	} {
		assert.Equal(t, tc.gets, familyOf(tc.model).size(tc.want), "%s asked for %v", tc.model, tc.want)
	}
}

// TestResponseFormatPerModel: only the GPT image models refuse response_format.
func TestResponseFormatPerModel(t *testing.T) {
	t.Parallel()
	assert.True(t, familyOf("dall-e-2").responseFormat)
	assert.True(t, familyOf("dall-e-3").responseFormat)
	assert.True(t, familyOf("sdxl-turbo").responseFormat)
	assert.False(t, familyOf("gpt-image-1").responseFormat)
	assert.False(t, familyOf("chatgpt-image-latest").responseFormat)
}
