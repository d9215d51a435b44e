//go:build unix

package main

import (
	"fmt"
	"syscall"
	"time"
)

// raiseFileLimit lifts the soft limit on open files to at least need (up to the hard limit): a
// thousand concurrent turns hold several thousand sockets in this one process.
func raiseFileLimit(need uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if l.Cur >= need {
		return nil
	}
	if l.Max < need {
		return fmt.Errorf("the open-file limit is %d (hard %d), below the %d this section needs; raise it (ulimit -n)", l.Cur, l.Max, need)
	}
	l.Cur = need
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("raise the open-file limit to %d: %w", need, err)
	}
	return nil
}

// cpuTime is the CPU time this process has used so far (user and system), or 0 where unknown.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
