package envflag

import (
	"errors"
	"reflect"
	"strings"
)

// Group is a part of a configuration known only at run time: the own settings of whichever
// pluggable backends a binary links, or one setting per row of a table (rate-limit rules) that must
// stay the single source of truth for its names. A field whose type, or pointer to it, implements
// Group is tagged envprefix:"P_" (or envprefix:"") and bound from the members EnvMembers returns,
// called once by Bind.
//
// Members are bound through their pointers, so EnvMembers must return pointers into the storage
// the program reads after Apply: &rules[i].Limit, not the address of a range variable's copy, and a
// pointer receiver when members point into the group's own fields.
type Group interface {
	EnvMembers() []Member
}

// Member is one part of a Group. Value is a non-nil pointer: to a tagged struct (walked exactly like
// a field tagged envprefix:Env — Env is then "" or a prefix ending in "_", and Help stays empty,
// since the struct's fields carry their own), or to a single supported value (then Env is its
// variable name after the group's prefix and Help is required). The value Value points to at Bind
// time is the default, and Apply writes through it.
type Member struct {
	Name  string // the path element of FieldErrors under the group's field, e.g. "comfyui" or "Login"
	Env   string
	Help  string
	Value any
}

var groupType = reflect.TypeFor[Group]()

func isGroup(t reflect.Type) bool {
	return t.Implements(groupType) || reflect.PointerTo(t).Implements(groupType)
}

// group binds the members of the Group v found at path. Paths are path.Name for a single value
// and path.Name.Field for a struct member, so a Validate that reports a member's problems with
// Within(groupField, …) is explained like any other field.
func (w *walker) group(v reflect.Value, path, prefix string) {
	g, err := groupOf(v)
	if err != nil {
		w.fail(path, "%v", err)
		return
	}
	// A group reached twice would be bound twice, and one reachable from its own members would
	// recurse forever.
	if key, ok := storageOf(v); ok {
		if old, seen := w.groups[key]; seen {
			w.fail(path, "the Group is also bound at %s", old)
			return
		}
		w.groups[key] = path
	}
	names := map[string]bool{}
	for i, m := range g.EnvMembers() {
		switch {
		case m.Name == "":
			w.fail(path, "member %d has no Name", i)
			continue
		case strings.Contains(m.Name, "."):
			w.fail(path, "member name %q must not contain '.', which separates path elements", m.Name)
			continue
		case names[m.Name]:
			w.fail(path, "two members are named %q", m.Name)
			continue
		}
		names[m.Name] = true
		w.member(m, path+"."+m.Name, prefix)
	}
}

// groupOf returns v as a Group, through its address when the methods are on the pointer.
func groupOf(v reflect.Value) (Group, error) {
	t := v.Type()
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return nil, errors.New("type " + t.String() + " is both a Group and an encoding.TextUnmarshaler; " +
			"it must be one or the other")
	case (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && v.IsNil():
		return nil, errors.New("the Group is nil")
	case v.CanAddr() && reflect.PointerTo(t).Implements(groupType):
		return v.Addr().Interface().(Group), nil
	}
	return v.Interface().(Group), nil
}

// member binds one member at path, applying the rules of a tagged field to Env and Help.
func (w *walker) member(m Member, path, prefix string) {
	rv := reflect.ValueOf(m.Value)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		w.fail(path, "Value must be a non-nil pointer, got %T", m.Value)
		return
	}
	v := rv.Elem()
	if !isLeaf(v.Type()) {
		switch {
		case m.Help != "":
			w.fail(path, "Help applies to single values; a struct member's fields carry their own help tags")
		case !prefixRE.MatchString(m.Env):
			w.fail(path, "Env %q of a struct member is a prefix: upper-case letters, digits and _, ending in _", m.Env)
		default:
			w.composite(v, path, prefix+m.Env)
		}
		return
	}
	switch {
	case !nameRE.MatchString(m.Env):
		w.fail(path, "env name %q must be upper-case words of letters and digits joined by single _", m.Env)
	case strings.TrimSpace(m.Help) == "":
		w.fail(path, "no Help: every setting is documented")
	default:
		w.leaf(v, path, prefix, m.Env, m.Help)
	}
}

// storage identifies the variable a value lives in. Zero-size values are left out: Go may give
// distinct ones the same address.
type storage struct {
	addr uintptr
	typ  reflect.Type
}

func storageOf(v reflect.Value) (storage, bool) {
	if !v.CanAddr() || v.Type().Size() == 0 {
		return storage{}, false
	}
	return storage{v.UnsafeAddr(), v.Type()}, true
}
