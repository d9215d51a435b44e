// Command bench measures the project's performance claims and prints each number next to a baseline
// measured in the same run on the same machine, so that a ratio, not an absolute figure from someone
// else's hardware, is what gets compared:
//
//	go run ./test/bench                    every section
//	go run ./test/bench -only limiter      the sections whose name contains "limiter"
//	go run ./test/bench -benchtime 3s      longer, steadier runs
//
// Stores (PostgreSQL, Redis) run in containers started through test/containers and removed at the
// end, or are given by URL (-postgres-url, -redis-url). A section is a name and a function returning
// rows; add one by writing it in its own file and listing it in sections.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/companionhub/companionhub/test/containers"
)

// section is one group of measurements; run returns the rows it measured, and an error for what it
// could not (rows measured before the error are still printed).
type section struct {
	name string
	// unit names one operation in the column headers, e.g. "decision".
	unit string
	run  func(ctx context.Context, opts options) ([]row, error)
}

// sections is the registry, in print order.
var sections = []section{
	{name: "limiter", unit: "decision", run: runLimiter},
	{name: "login", unit: "login", run: runLogin},
}

// row is one measurement and, when there is one, its baseline.
type row struct {
	name     string
	result   testing.BenchmarkResult
	baseline string // what the baseline does; empty when there is none
	base     testing.BenchmarkResult
}

// options are the command line's settings that sections read.
type options struct {
	postgresURL string
	redisURL    string
}

func main() { os.Exit(run()) }

// run is main with a result, so that deferred clean-ups (containers!) run before the process exits.
func run() int {
	testing.Init() // registers -test.benchtime, which testing.Benchmark reads
	var (
		only      = flag.String("only", "", "run only the sections whose name contains this")
		benchtime = flag.String("benchtime", "1s", "time (or Nx iterations) per measurement")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the whole run (every section selected) to this file")
		blockprof = flag.String("blockprofile", "", "write a profile of where goroutines blocked (and, to this file's name + \".mutex\", of contended mutexes) during the run")
		opts      options
	)
	flag.StringVar(&opts.postgresURL, "postgres-url", "", "benchmark this PostgreSQL (a scratch database: tables are created) instead of a container")
	flag.StringVar(&opts.redisURL, "redis-url", "", "benchmark this Redis (keys bench:* are written) instead of a container")
	flag.Parse()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fmt.Fprintf(os.Stderr, "bench: -benchtime: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := containers.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
	}()

	stopProfiles, err := startProfiles(*cpuprof, *blockprof)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 2
	}
	defer stopProfiles()

	code := 0
	for _, s := range sections {
		if !strings.Contains(s.name, *only) {
			continue
		}
		fmt.Printf("== %s (GOMAXPROCS %d, benchtime %s)\n", s.name, runtime.GOMAXPROCS(0), *benchtime)
		rows, err := s.run(ctx, opts)
		printTable(os.Stdout, s.unit, rows)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", s.name, err)
			code = 1
		}
		fmt.Println()
	}
	return code
}

func printTable(w io.Writer, unit string, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\t%ss/s\tns/%s\tbaseline\tbaseline ns/op\tratio\t\n", unit, unit)
	for _, r := range rows {
		if r.result.N == 0 {
			fmt.Fprintf(tw, "%s\tfailed\t\t\t\t\t\n", r.name)
			continue
		}
		ns := nsPerOp(r.result)
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t", r.name, 1e9/ns, ns)
		if r.baseline == "" || r.base.N == 0 {
			fmt.Fprint(tw, "-\t-\t-\t\n")
			continue
		}
		base := nsPerOp(r.base)
		fmt.Fprintf(tw, "%s\t%.0f\t%.2fx\t\n", r.baseline, base, ns/base)
	}
	_ = tw.Flush()
}

// nsPerOp is the fractional time per operation; BenchmarkResult.NsPerOp truncates to whole
// nanoseconds, which is most of an in-memory decision's precision.
func nsPerOp(r testing.BenchmarkResult) float64 {
	return float64(r.T.Nanoseconds()) / float64(r.N)
}
