package stream_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

func TestCheckPublish(t *testing.T) {
	t.Parallel()
	turn := domain.NewID(time.Now())
	largest := `{"t":"` + strings.Repeat("é", (stream.MaxData-8)/2) + `"}`
	for data, ok := range map[string]bool{
		`{}`: true, " {\"a\":[1,2]}\n": true, largest: true, largest[:len(largest)-2] + `x"}`: false,
		``: false, `[]`: false, `"x"`: false, `1`: false, `{`: false, `{} {}`: false, "{\"a\":\"\xc3\"}": false,
	} {
		err := stream.CheckPublish(turn, 0, chat.EventToken, []byte(data))
		if ok {
			assert.NoError(t, err, "%.40q", data)
		} else {
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%.40q", data)
		}
	}
	for _, typ := range []chat.EventType{chat.EventToken, chat.EventProgress, chat.EventState, chat.EventImage,
		chat.EventAudio, chat.EventReset, chat.EventComplete, chat.EventError} {
		assert.NoError(t, stream.CheckPublish(turn, 1, typ, []byte(`{}`)), typ)
	}
	assert.Error(t, stream.CheckPublish(turn, 1, "", []byte(`{}`)))
	assert.Error(t, stream.CheckPublish(turn, -1, chat.EventToken, []byte(`{}`)))
	assert.Error(t, stream.CheckPublish(domain.ID{}, 1, chat.EventToken, []byte(`{}`)))
}
