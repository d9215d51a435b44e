package envflag

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Var describes one setting, for help output and for generating or checking documentation.
type Var struct {
	Name    string // environment variable, e.g. COMPANIONHUB_HTTP_ADDR
	Flag    string // flag name without dashes, e.g. http-addr
	Path    string // Go field path from the root struct, e.g. HTTP.Addr
	Type    string // string, bool, int, int64, float, duration, list, secret, or a Go type name
	Default string // the default, formatted as it would be written; secrets show only whether set
	Help    string
	Secret  bool
}

// Binding ties a config struct to its variables and flags. Create it with Bind.
type Binding struct {
	fields []*field // sorted by Name
	byPath map[string]*field
	lookup func(string) (string, bool)
}

type field struct {
	Var
	codec   codec
	value   reflect.Value // the struct field itself, settable
	flagDef string        // Default, or "" when it is the zero value (flag's help omits those)
	flagRaw string
	flagSet bool
}

var (
	nameRE   = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	prefixRE = regexp.MustCompile(`^([A-Z][A-Z0-9]*_)*$`)
)

// Bind walks cfg (a non-nil pointer to a struct whose current values are the defaults), registers
// one flag per setting on fs, and remembers lookupEnv (nil means os.LookupEnv) for Apply. prefix
// is prepended to every variable name and must be empty or end in "_", e.g. "COMPANIONHUB_".
//
// Bind reports every tagging mistake it finds, joined; on error nothing is registered on fs.
func Bind(fs *flag.FlagSet, prefix string, cfg any, lookupEnv func(string) (string, bool)) (*Binding, error) {
	if !prefixRE.MatchString(prefix) {
		return nil, fmt.Errorf("envflag: prefix %q must be upper-case letters, digits and _, ending in _", prefix)
	}
	rv := reflect.ValueOf(cfg)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("envflag: cfg must be a non-nil pointer to a struct, got %T", cfg)
	}
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	w := walker{
		root: prefix, fs: fs,
		byName: map[string]*field{}, byPath: map[string]*field{},
		bound: map[storage]*field{}, groups: map[storage]string{},
	}
	w.walk(rv.Elem(), "", "")
	if len(w.errs) > 0 {
		sort.Slice(w.errs, func(i, j int) bool { return w.errs[i].Error() < w.errs[j].Error() })
		return nil, errors.Join(w.errs...)
	}
	b := &Binding{byPath: w.byPath, lookup: lookupEnv}
	for _, f := range w.byName {
		b.fields = append(b.fields, f)
	}
	sort.Slice(b.fields, func(i, j int) bool { return b.fields[i].Name < b.fields[j].Name })
	for _, f := range b.fields {
		fs.Var(&flagValue{f}, f.Flag, f.Help+" (env "+f.Name+")")
	}
	return b, nil
}

type walker struct {
	root   string
	fs     *flag.FlagSet
	byName map[string]*field
	byPath map[string]*field
	bound  map[storage]*field // by the value a field writes to
	groups map[storage]string // path of each Group bound so far
	errs   []error
}

func (w *walker) fail(path, format string, args ...any) {
	w.errs = append(w.errs, fmt.Errorf("envflag: field %s: "+format, append([]any{path}, args...)...))
}

// walk binds the fields of struct value v found at path, whose names get prefix (below the root).
func (w *walker) walk(v reflect.Value, path, prefix string) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		fpath := sf.Name
		if path != "" {
			fpath = path + "." + sf.Name
		}
		tags, err := parseTag(sf.Tag)
		if err != nil {
			w.fail(fpath, "%v", err)
			continue
		}
		env, hasEnv := tags["env"]
		_, hasPrefix := tags["envprefix"]
		help, hasHelp := tags["help"]
		switch {
		case !sf.IsExported():
			if hasEnv || hasPrefix || hasHelp {
				w.fail(fpath, "unexported fields cannot be set; export it or drop the tags")
			}
			continue
		case env == "-":
			if hasPrefix || hasHelp {
				w.fail(fpath, `env:"-" excludes the field; it takes no other envflag tags`)
			}
			continue
		case !isLeaf(sf.Type):
			w.nested(v.Field(i), sf, path, fpath, prefix, tags)
			continue
		case hasPrefix:
			w.fail(fpath, "envprefix applies to struct fields only; use env")
			continue
		case !hasEnv:
			w.fail(fpath, `no env tag: add env:"NAME" help:"…", or env:"-" to exclude it`)
			continue
		case !nameRE.MatchString(env):
			w.fail(fpath, "env name %q must be upper-case words of letters and digits joined by single _", env)
			continue
		case strings.TrimSpace(help) == "":
			w.fail(fpath, "no help tag: every setting is documented")
			continue
		}
		w.leaf(v.Field(i), fpath, prefix, env, help)
	}
}

// leaf binds the single value v, found at path, to the variable prefix+env.
func (w *walker) leaf(v reflect.Value, path, prefix, env, help string) {
	c, err := codecFor(v.Type())
	if err != nil {
		w.fail(path, "%v", err)
		return
	}
	w.add(&field{
		Var: Var{
			Name:   w.root + prefix + env,
			Flag:   strings.ToLower(strings.ReplaceAll(prefix+env, "_", "-")),
			Path:   path,
			Type:   c.typeName,
			Help:   help,
			Secret: c.secret,
		},
		codec: c,
		value: v,
	})
}

// nested binds a struct or Group field: with envprefix its names get that prefix; an embedded
// struct without one is flattened (its fields are promoted in Go, so they are promoted here too).
// An embedded Group has no fields to promote, so it needs the tag and keeps its field name in paths.
func (w *walker) nested(v reflect.Value, sf reflect.StructField, path, fpath, prefix string, tags map[string]string) {
	p, hasPrefix := tags["envprefix"]
	_, hasEnv := tags["env"]
	_, hasHelp := tags["help"]
	group, kind := isGroup(sf.Type), "struct"
	if group {
		kind = "Group"
	}
	switch {
	case hasEnv || hasHelp:
		w.fail(fpath, `%s fields take envprefix:"P_" (or env:"-"), not env or help`, kind)
		return
	case !hasPrefix && group:
		w.fail(fpath, `Group field needs envprefix:"P_" (envprefix:"" adds none) or env:"-"`)
		return
	case !hasPrefix && !sf.Anonymous:
		w.fail(fpath, `nested struct needs envprefix:"P_" (envprefix:"" flattens it) or env:"-"`)
		return
	case p != "" && !prefixRE.MatchString(p):
		w.fail(fpath, "envprefix %q must be upper-case letters, digits and _, ending in _", p)
		return
	}
	if sf.Anonymous && !group {
		fpath = path // promoted fields keep the path the code uses to reach them
	}
	w.composite(v, fpath, prefix+p)
}

// composite binds v, which is not a leaf: a Group by its members, a struct by its fields.
func (w *walker) composite(v reflect.Value, path, prefix string) {
	if isGroup(v.Type()) {
		w.group(v, path, prefix)
		return
	}
	w.walk(v, path, prefix)
}

func (w *walker) add(f *field) {
	bad := false
	if old, dup := w.byName[f.Name]; dup {
		w.fail(f.Path, "variable %s is also bound to %s", f.Name, old.Path)
		bad = true
	}
	if old, dup := w.byPath[f.Path]; dup {
		w.fail(f.Path, "path is ambiguous (%s and %s)", old.Name, f.Name)
		bad = true
	}
	// Only group members can alias: two variables writing one value would make precedence
	// depend on name order.
	key, hasKey := storageOf(f.value)
	if old, dup := w.bound[key]; hasKey && dup {
		w.fail(f.Path, "variable %s writes to the same value as %s", f.Name, old.Name)
		bad = true
	}
	if strings.HasSuffix(f.Name, "_FILE") {
		w.fail(f.Path, "variable %s: the _FILE suffix is reserved for reading a value from a file", f.Name)
		bad = true
	}
	if w.fs.Lookup(f.Flag) != nil {
		w.fail(f.Path, "flag --%s is already defined on the flag set", f.Flag)
		bad = true
	}
	if bad {
		return
	}
	f.Default = f.codec.format(f.value)
	if !f.value.IsZero() {
		f.flagDef = f.Default
	}
	w.byName[f.Name] = f
	w.byPath[f.Path] = f
	if hasKey {
		w.bound[key] = f
	}
}

// Vars lists every setting, sorted by variable name.
func (b *Binding) Vars() []Var {
	out := make([]Var, len(b.fields))
	for i, f := range b.fields {
		out[i] = f.Var
	}
	return out
}

// Lookup returns the setting bound to a Go field path such as "Auth.SessionTTL".
func (b *Binding) Lookup(path string) (Var, bool) {
	f, ok := b.byPath[path]
	if !ok {
		return Var{}, false
	}
	return f.Var, true
}

// flagValue records the raw flag text; Apply parses it, so flag and variable errors read alike.
type flagValue struct{ f *field }

// String returns the default for flag's help. flag also calls it on a zero flagValue and omits
// the default when the two agree, so zero defaults (false, 0, "") are returned as "" to be omitted
// like flag's own types do.
func (v *flagValue) String() string {
	if v == nil || v.f == nil {
		return ""
	}
	return v.f.flagDef
}

func (v *flagValue) Set(s string) error {
	v.f.flagRaw, v.f.flagSet = s, true
	return nil
}

// IsBoolFlag lets boolean settings be given as a bare --name.
func (v *flagValue) IsBoolFlag() bool { return v != nil && v.f != nil && v.f.codec.isBool }
