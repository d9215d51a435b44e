package a1111

import (
	"bytes"
	"encoding/json"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

// The format is whatever the server is set to save, recognised from the bytes, with or without a
// data: URL prefix.
func TestFormatIsRecognised(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format a1111fake.Format
		want   media.ContentType
	}{{a1111fake.PNG, media.PNG}, {a1111fake.JPEG, media.JPEG}, {a1111fake.WebP, media.WebP}} {
		for _, dataURL := range []bool{false, true} {
			name := tc.want.String()
			if dataURL {
				name += " in a data URL"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				opts := []a1111fake.Option{a1111fake.WithFormat(tc.format)}
				if dataURL {
					opts = append(opts, a1111fake.WithDataURLs())
				}
				fake := a1111fake.New(t, opts...)
				res, err := newClient(t, fake, testConfig(fake.URL())).Generate(t.Context(), request(), nil)
				require.NoError(t, err)
				assert.Equal(t, tc.want, res.Format)
				img, _, err := image.Decode(bytes.NewReader(res.Data))
				require.NoError(t, err)
				assert.Equal(t, image.Pt(64, 96), img.Bounds().Size())
			})
		}
	}
}

// A seed the server chose is the one it reports, and renders the same picture when asked for.
func TestChosenSeedComesFromInfo(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	req := request()
	req.Seed = -1
	chosen, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, chosen.Seed, int64(0))
	req.Seed = chosen.Seed
	again, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, chosen.Seed, again.Seed)
	assert.Equal(t, chosen.Data, again.Data)
}

func TestSeedOf(t *testing.T) {
	t.Parallel()
	quoted := func(s string) json.RawMessage {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		return b
	}
	for _, tc := range []struct {
		name string
		info json.RawMessage
		want int64
		ok   bool
	}{
		{"a JSON string", quoted(`{"seed": 3456789012, "all_seeds": [3456789012]}`), 3456789012, true},
		{"all_seeds only", quoted(`{"all_seeds": [17]}`), 17, true},
		{"an object", json.RawMessage(`{"seed": 5}`), 5, true},
		{"a negative seed", quoted(`{"seed": -1, "all_seeds": [-1]}`), 0, false},
		{"no seed", quoted(`{"prompt": "x"}`), 0, false},
		{"not JSON", quoted(`Steps: 20, Seed: 4`), 0, false},
		{"empty", nil, 0, false},
	} {
		seed, ok := seedOf(tc.info)
		assert.Equal(t, tc.ok, ok, tc.name)
		assert.Equal(t, tc.want, seed, tc.name)
	}
}

func TestImageBytes(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"iVBORw0KGgo=", "iVBORw0KGgo", "data:image/png;base64,iVBORw0KGgo="} {
		data, err := imageBytes(s)
		require.NoError(t, err, s)
		assert.Equal(t, pngMagic, data, s)
	}
	_, err := imageBytes("data:image/png;base64")
	assert.Error(t, err)
	_, err = imageBytes("not base64!")
	assert.Error(t, err)
}

func TestUnreadableAnswers(t *testing.T) {
	t.Parallel()
	for name, b := range map[string]a1111fake.Behaviour{"malformed": a1111fake.Malformed(), "not a picture": a1111fake.NotAPicture()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := a1111fake.New(t, a1111fake.WithBehaviour(b))
			_, err := newClient(t, fake, testConfig(fake.URL())).Generate(t.Context(), request(), nil)
			requireError(t, err, domain.KindUnavailable, "image_bad_response")
		})
	}
	_, err := answer{Images: []string{}}.result(1)
	requireError(t, err, domain.KindUnavailable, "image_bad_response")
	_, err = answer{Images: []string{"iVBORw0KGgo="}}.result(-1)
	requireError(t, err, domain.KindUnavailable, "image_bad_response")
}
