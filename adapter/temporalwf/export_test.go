package temporalwf

// For the tests of package temporalwf_test.
var (
	NewQueue    = newQueue
	StartWorker = startWorker
)
