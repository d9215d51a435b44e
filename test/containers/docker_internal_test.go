package containers

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// recordingTB records how RequireDocker ends a test instead of ending it.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()           {}
func (r *recordingTB) Skip(args ...any)  { r.skipped = args[0].(string) }
func (r *recordingTB) Fatal(args ...any) { r.failed = args[0].(string) }

func TestRequireDockerSkipsLoudlyWithoutAnEngine(t *testing.T) {
	t.Setenv("CI", "")
	r := &recordingTB{TB: t}
	requireDocker(r, errors.New("connect: no such file"))
	assert.Empty(t, r.failed)
	assert.Contains(t, r.skipped, "SKIPPED")
	assert.Contains(t, r.skipped, "connect: no such file", "the cause")
	assert.Contains(t, r.skipped, "make test-images", "how to get the tests to run")
}

// On CI a skipped integration test would pass unnoticed.
func TestRequireDockerFailsOnCIWithoutAnEngine(t *testing.T) {
	for _, ci := range []string{"true", "1", "TRUE"} {
		t.Setenv("CI", ci)
		r := &recordingTB{TB: t}
		requireDocker(r, errors.New("connect: no such file"))
		assert.Empty(t, r.skipped, "CI=%s", ci)
		assert.Contains(t, r.failed, "FAILED (CI=true)", "CI=%s", ci)
	}
}

func TestRequireDockerPassesWithAnEngine(t *testing.T) {
	r := &recordingTB{TB: t}
	requireDocker(r, nil)
	assert.Empty(t, r.skipped)
	assert.Empty(t, r.failed)
}

// Under -short, tests that need Docker or Temporal skip at once and say why — except on CI, where
// -short must not hide an integration test.
func TestShortSkipsWithoutAskingExceptOnCI(t *testing.T) {
	isShort = func() bool { return true }
	t.Cleanup(func() { isShort = testing.Short })

	t.Setenv("CI", "")
	r := &recordingTB{TB: t}
	assert.True(t, skipShort(r, "a Docker engine"))
	assert.Contains(t, r.skipped, "SKIPPED (-short)")
	assert.Contains(t, r.skipped, "a Docker engine", "what it needs")

	t.Setenv("CI", "true")
	r = &recordingTB{TB: t}
	assert.False(t, skipShort(r, "a Docker engine"), "on CI the engine is asked, and its absence fails the test")
	assert.Empty(t, r.skipped)
}
