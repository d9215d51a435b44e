// Package arch holds the architecture test: the layering rules of STYLE.md, checked on every
// non-test Go file of the module.
package arch

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/companionhub/companionhub"

// forbiddenInUseCases are what use cases must not touch: transports, drivers, SDKs, infrastructure.
var forbiddenInUseCases = []string{
	"net/http", "database/sql", "github.com/jmoiron/sqlx", "github.com/lib/pq", "modernc.org/sqlite",
	"go.temporal.io/", "github.com/openai/", "github.com/sashabaranov/", "github.com/redis/",
	"github.com/aws/", "gocloud.dev/", "github.com/prometheus/", "github.com/testcontainers/",
	"github.com/stretchr/testify",
}

// logging may appear in use cases only in the decorators: use cases report through observers.
const logging = "go.uber.org/zap"

// sdkOfBatteries are what the lean core must not link: the SDKs of the backends the batteries-included
// façade adds (Temporal, AWS/S3, Redis, OpenAI).
var sdkOfBatteries = []string{"go.temporal.io/", "github.com/aws/", "gocloud.dev/blob/s3blob", "gocloud.dev/aws",
	"github.com/redis/", "github.com/openai/"}

// testOnly may appear in non-test files only under test/.
var testOnly = []string{"github.com/stretchr/testify", "github.com/testcontainers/", "github.com/alicebob/miniredis"}

type goFile struct {
	path    string // relative to the module root, slash-separated
	dir     string
	imports []string
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// sources lists every non-test Go file of the module (build-tag-excluded files included: a
// wireinject file's imports count too).
func sources(t *testing.T) []goFile {
	t.Helper()
	root := moduleRoot(t)
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		gf := goFile{path: rel, dir: filepath.ToSlash(filepath.Dir(rel))}
		for _, imp := range f.Imports {
			s, _ := strconv.Unquote(imp.Path.Value)
			gf.imports = append(gf.imports, s)
		}
		files = append(files, gf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d source files; the walk is broken", len(files))
	}
	return files
}

func isStd(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

func under(dir, prefix string) bool { return dir == prefix || strings.HasPrefix(dir, prefix+"/") }

func hasPrefixAny(imp string, list []string) bool {
	for _, p := range list {
		if imp == p || strings.HasPrefix(imp, strings.TrimSuffix(p, "/")+"/") || (strings.HasSuffix(p, "/") && strings.HasPrefix(imp, p)) {
			return true
		}
	}
	return false
}

const unicodeNorm = "golang.org/x/text/unicode/norm"

// violations applies the rules to files and returns one line per broken rule.
func violations(files []goFile) []string {
	var out []string
	bad := func(f goFile, imp, rule string) { out = append(out, f.path+" imports "+imp+": "+rule) }
	for _, f := range files {
		for _, imp := range f.imports {
			internal := strings.HasPrefix(imp, module+"/")
			rel := strings.TrimPrefix(imp, module+"/")
			switch {
			case under(f.dir, "domain"):
				// The one exception is Unicode normalisation, which the standard library lacks and
				// names need (domain.CleanName): a table, not a dependency on anything outside.
				if !isStd(imp) && !(internal && under(rel, "domain")) && imp != unicodeNorm {
					bad(f, imp, "domain may import only the standard library, golang.org/x/text/unicode/norm and domain/…")
				}
			case under(f.dir, "usecase"):
				if internal && (under(rel, "adapter") || under(rel, "cmd") || under(rel, "test")) {
					bad(f, imp, "use cases must not import adapters, commands or test helpers")
				}
				if hasPrefixAny(imp, forbiddenInUseCases) {
					bad(f, imp, "use cases must not import transports, SQL drivers, Temporal, provider SDKs or infrastructure clients")
				}
				if hasPrefixAny(imp, []string{logging}) && !under(f.dir, "usecase/decorator") {
					bad(f, imp, "use cases report through observers; only the decorators log")
				}
			case under(f.dir, "adapter"):
				own := strings.Join(strings.SplitN(f.dir, "/", 3)[:2], "/")
				if internal && under(rel, "adapter") && !under(rel, own) {
					bad(f, imp, "adapters must not import each other (share a leaf package instead)")
				}
			case under(f.dir, "test/contract"):
				if internal && under(rel, "adapter") {
					bad(f, imp, "conformance suites test ports, not adapters")
				}
			}
			if !under(f.dir, "test") && hasPrefixAny(imp, testOnly) {
				bad(f, imp, "test libraries belong in _test.go files and test/ helpers")
			}
		}
	}
	return out
}

func TestLayering(t *testing.T) {
	t.Parallel()
	for _, v := range violations(sources(t)) {
		t.Error(v)
	}
}

// TestRulesCatchViolations proves the rules fire, so TestLayering cannot pass by checking nothing.
func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	cases := []goFile{
		{path: "domain/x.go", dir: "domain", imports: []string{"go.uber.org/zap"}},
		{path: "domain/x.go", dir: "domain", imports: []string{"golang.org/x/text/language"}},
		{path: "domain/account/x.go", dir: "domain/account", imports: []string{module + "/usecase"}},
		{path: "usecase/account/x.go", dir: "usecase/account", imports: []string{module + "/adapter/sqlstore"}},
		{path: "usecase/x.go", dir: "usecase", imports: []string{"net/http"}},
		{path: "usecase/x.go", dir: "usecase", imports: []string{"github.com/lib/pq"}},
		{path: "usecase/x.go", dir: "usecase", imports: []string{"go.temporal.io/sdk/workflow"}},
		{path: "usecase/x.go", dir: "usecase", imports: []string{"github.com/openai/openai-go/v3"}},
		{path: "adapter/redis/x.go", dir: "adapter/redis", imports: []string{module + "/adapter/memory"}},
		{path: "test/contract/ratelimitertest/x.go", dir: "test/contract/ratelimitertest", imports: []string{module + "/adapter/memory"}},
		{path: "adapter/redis/x.go", dir: "adapter/redis", imports: []string{"github.com/stretchr/testify/require"}},
		{path: "usecase/chat/x.go", dir: "usecase/chat", imports: []string{"go.uber.org/zap"}},
	}
	for _, c := range cases {
		if got := violations([]goFile{c}); len(got) != 1 {
			t.Errorf("%s importing %v: want exactly one violation, got %v", c.path, c.imports, got)
		}
	}
	fine := []goFile{
		{path: "domain/account/x.go", dir: "domain/account", imports: []string{"time", module + "/domain"}},
		{path: "domain/x.go", dir: "domain", imports: []string{unicodeNorm}},
		{path: "usecase/account/x.go", dir: "usecase/account", imports: []string{module + "/domain/account"}},
		{path: "usecase/decorator/x.go", dir: "usecase/decorator", imports: []string{"go.uber.org/zap"}},
		{path: "adapter/redis/x.go", dir: "adapter/redis", imports: []string{module + "/adapter/redis/internal", module + "/usecase/ratelimit"}},
		{path: "usecase/x.go", dir: "usecase", imports: []string{"net/url", "net/httpx"}},
	}
	for _, c := range fine {
		if got := violations([]goFile{c}); len(got) != 0 {
			t.Errorf("%s importing %v: want no violation, got %v", c.path, c.imports, got)
		}
	}
}

// linked lists the packages outside the module that the package in dir links through the module's
// own packages (its imports, and theirs, as far as they stay in the module).
func linked(files []goFile, dir string) map[string]bool {
	imports := map[string][]string{}
	for _, f := range files {
		imports[f.dir] = append(imports[f.dir], f.imports...)
	}
	external := map[string]bool{}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(d string) {
		if seen[d] {
			return
		}
		seen[d] = true
		for _, imp := range imports[d] {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				walk(rel)
			} else if !isStd(imp) {
				external[imp] = true
			}
		}
	}
	walk(dir)
	return external
}

// TestCoreLinksNoBatteries keeps the lean core lean: an embedder that brings its own ports builds a
// hub without linking Temporal, the AWS SDK, Redis or OpenAI's SDK.
func TestCoreLinksNoBatteries(t *testing.T) {
	t.Parallel()
	files := sources(t)
	for imp := range linked(files, "core") {
		if hasPrefixAny(imp, sdkOfBatteries) {
			t.Errorf("core links %s: the lean core must not link a battery's SDK", imp)
		}
	}
	// The rule fires: the façade links them all.
	façade := linked(files, ".")
	for _, sdk := range []string{"go.temporal.io/", "github.com/redis/", "github.com/openai/", "gocloud.dev/blob/s3blob"} {
		found := false
		for imp := range façade {
			found = found || hasPrefixAny(imp, []string{sdk})
		}
		if !found {
			t.Errorf("the façade does not link %s: the check above would not notice it either", sdk)
		}
	}
}
