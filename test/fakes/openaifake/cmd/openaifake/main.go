// Command openaifake serves the fake OpenAI-compatible model (package openaifake) in a process of
// its own, so that a benchmark can keep the model's CPU — JSON-encoding and flushing every chunk —
// out of the process it measures:
//
//	go run ./test/fakes/openaifake/cmd/openaifake -words 500 -tps 100
//
// Like the chat benchmarks' in-process fake, it is two servers behind one address: streamed
// requests (the reply) are answered with -words words (or openaifake.DefaultReply), paced at -tps
// and after -first-token-delay; the others (a scene analysis, a JSON Complete call) at once, with
// -json-reply. GET /_openaifake/conns answers how many TCP connections it has accepted.
//
// When it listens it prints "URL <base URL>" (the ".../v1" clients are configured with) on a line
// of its own. It stops on SIGINT or SIGTERM, and with -until-stdin-closes when its standard input
// ends — how a parent makes sure it goes when the parent does.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

func main() {
	var (
		addr       = flag.String("addr", "127.0.0.1:0", "address to listen on")
		words      = flag.Int("words", 0, "reply with this many words (w1 w2 …); 0: openaifake.DefaultReply")
		tps        = flag.Float64("tps", 0, "tokens per second of streamed replies (0: as fast as possible)")
		firstToken = flag.Duration("first-token-delay", 0, "wait this long before a streamed reply's first token")
		jsonReply  = flag.String("json-reply", openaifake.DefaultJSONReply, "the answer to requests in JSON mode")
		untilStdin = flag.Bool("until-stdin-closes", false, "exit when standard input ends")
	)
	flag.Parse()
	if err := run(*addr, *words, *tps, *firstToken, *jsonReply, *untilStdin); err != nil {
		fmt.Fprintln(os.Stderr, "openaifake:", err)
		os.Exit(1)
	}
}

func run(addr string, words int, tps float64, firstToken time.Duration, jsonReply string, untilStdin bool) error {
	streamed := []openaifake.Option{openaifake.WithTokensPerSecond(tps), openaifake.WithoutRecording(),
		openaifake.WithJSONReply(jsonReply), openaifake.WithBehaviour(openaifake.SlowFirstToken(firstToken))}
	if words > 0 {
		streamed = append(streamed, openaifake.WithReply(openaifake.Words(words)))
	}
	tb := &openaifake.Standalone{}
	defer tb.Close() // stops paced answers at once
	f := &router{
		reply:   openaifake.New(tb, streamed...),
		analyse: openaifake.New(tb, openaifake.WithJSONReply(jsonReply), openaifake.WithoutRecording()),
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: f, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("URL http://%s/v1\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if untilStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	tb.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// router sends streamed requests to reply and the others to analyse.
type router struct {
	reply, analyse *openaifake.Server
	conns          atomic.Int64 // TCP connections accepted
}

func (f *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_openaifake/conns" {
		_, _ = io.WriteString(w, strconv.FormatInt(f.conns.Load(), 10)+"\n")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// openai-go encodes the field without spaces; a full decode would cost the fake's time twice.
	if bytes.Contains(body, []byte(`"stream":true`)) {
		f.reply.ServeHTTP(w, r)
		return
	}
	f.analyse.ServeHTTP(w, r)
}
