package media_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, ct := range []media.ContentType{media.JPEG, media.PNG, media.WebP, media.MP3} {
		k := media.NewKey(ct)
		require.False(t, seen[k.String()])
		seen[k.String()] = true
		back, err := media.ParseKey(k.String())
		require.NoError(t, err)
		require.Equal(t, k, back)
		require.True(t, strings.HasSuffix(k.String(), "."+ct.Ext()))
		require.Equal(t, ct.IsImage(), strings.HasPrefix(k.String(), "img/"))
	}
	for _, bad := range []string{"", "img/../etc/passwd", "img/abc.jpg", "IMG/" + strings.Repeat("a", 26) + ".jpg",
		"img/" + strings.Repeat("a", 26) + ".exe", "doc/" + strings.Repeat("a", 26) + ".png", "img/" + strings.Repeat("a", 26) + ".jpg/x"} {
		_, err := media.ParseKey(bad)
		require.ErrorIs(t, err, media.ErrBadKey, bad)
		require.Equal(t, domain.KindNotFound, domain.KindOf(err))
	}
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	ct, err := media.ParseContentType(" Image/PNG ")
	require.NoError(t, err)
	require.Equal(t, media.PNG, ct)
	_, err = media.ParseContentType("text/html")
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	_, err = media.ParseContentType("image/gif")
	require.Error(t, err)
}
