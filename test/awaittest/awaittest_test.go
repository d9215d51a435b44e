package awaittest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/test/awaittest"
)

func TestRecv(t *testing.T) {
	t.Parallel()
	ch := make(chan int, 1)
	ch <- 7
	assert.Equal(t, 7, awaittest.Recv(t, ch, "the value"))
	close(ch)
	assert.Zero(t, awaittest.Recv(t, ch, "the end"), "a closed channel yields its zero value")
}

func TestClosed(t *testing.T) {
	t.Parallel()
	ch := make(chan string, 2)
	ch <- "a"
	ch <- "b"
	close(ch)
	assert.Equal(t, 2, awaittest.Closed(t, ch, "the channel"))
}
