// Package reportertest is the conformance suite of the incident.Reporter port: every reporter
// delivers what failed, where, for which request, and a panic with its stack, from many
// goroutines at once.
//
//	func TestConformance(t *testing.T) {
//		reportertest.Run(t, func(t *testing.T) reportertest.Env { … })
//	}
package reportertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/incident"
)

// Delivered is a report as the receiving end saw it.
type Delivered struct {
	Message   string
	Where     string
	RequestID string
	Panic     bool
	// Raw is everything that was sent for it.
	Raw string
}

// Env is one reporter and its receiving end.
type Env struct {
	Reporter incident.Reporter
	// Await waits until n reports were delivered (or fails t) and returns them, in any order.
	Await func(t *testing.T, n int) []Delivered
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"WhatWhereAndWhichRequest": testWhatWhere,
		"PanicsCarryTheirStack":    testPanic,
		"ManyAtOnceNeverBlock":     testConcurrent,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

func testWhatWhere(t *testing.T, e Env) {
	e.Reporter.Report(context.Background(), incident.Report{Err: domain.Errorf(domain.KindInternal, "insert turn: disk I/O error"),
		Where: "chat.send", RequestID: "req-7f3a"})
	got := e.Await(t, 1)
	require.Contains(t, got[0].Message, "disk I/O error")
	require.Equal(t, "chat.send", got[0].Where)
	require.Equal(t, "req-7f3a", got[0].RequestID)
	require.False(t, got[0].Panic)
}

func testPanic(t *testing.T, e Env) {
	stack := []byte("goroutine 7 [running]:\ngithub.com/companionhub/companionhub/usecase/chat.replyStep.run(...)\n")
	e.Reporter.Report(context.Background(), incident.Report{Err: errors.New("index out of range"), Panic: true, Stack: stack,
		Where: "POST /api/v1/companions/{id}/messages"})
	got := e.Await(t, 1)
	require.True(t, got[0].Panic)
	require.Contains(t, got[0].Message, "index out of range")
	require.Contains(t, got[0].Raw, "replyStep.run", "the panic's own stack")
}

func testConcurrent(t *testing.T, e Env) {
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e.Reporter.Report(context.Background(), incident.Report{Err: fmt.Errorf("failure %d", i), Where: "test"})
		})
	}
	wg.Wait()
	got := e.Await(t, n)
	seen := map[string]bool{}
	for _, d := range got {
		seen[strings.TrimSpace(d.Message)] = true
	}
	for i := range n {
		require.True(t, seen[fmt.Sprintf("failure %d", i)], "failure %d delivered", i)
	}
}
