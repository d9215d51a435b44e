//go:build !unix

package main

import "time"

// raiseFileLimit does nothing where there is no RLIMIT_NOFILE; a failure to open sockets will say
// so instead.
func raiseFileLimit(uint64) error { return nil }

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }
