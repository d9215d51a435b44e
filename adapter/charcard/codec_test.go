package charcard_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/charcard"
	"github.com/companionhub/companionhub/test/contract/cardcodectest"
)

func TestConformance(t *testing.T) {
	cardcodectest.Run(t, charcard.New())
}
