package envflag

import (
	"errors"
	"fmt"
	"sort"
)

// VarError is a bad setting, named the way the operator wrote it.
type VarError struct {
	Name string // environment variable
	Flag string // flag name without dashes
	Err  error
}

func (e *VarError) Error() string { return fmt.Sprintf("%s (--%s): %v", e.Name, e.Flag, e.Err) }
func (e *VarError) Unwrap() error { return e.Err }

// FieldError is a semantic problem with the config field at Path (a Go field path such as
// "Auth.SessionTTL"), returned by Validate methods that cannot know variable names.
type FieldError struct {
	Path string
	Err  error
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Field reports a problem with the field at path.
func Field(path, msg string) error { return &FieldError{Path: path, Err: errors.New(msg)} }

// Fieldf reports a problem with the field at path; %w wraps as in fmt.Errorf.
func Fieldf(path, format string, args ...any) error {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

// Within re-roots the FieldErrors in err (which may be joined) under parent, for a Validate that
// delegates to a sub-config: Within("Log", c.Log.Validate()). Other errors pass unchanged; a
// FieldError wrapped inside another error is lifted out, dropping the wrapper's text, since the
// variable name it will be reported under says more.
func Within(parent string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Within(parent, e))
		}
		return errors.Join(out...)
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Path: parent + "." + fe.Path, Err: fe.Err}
	}
	return err
}

// Explain rewrites the FieldErrors in err (joined or wrapped) into VarErrors naming the variable
// and flag bound to their path, and returns all errors joined with the variable errors first,
// sorted by name. Pass it Apply's and Validate's errors together to report every bad setting in
// one go. Errors it cannot attribute to a variable are kept as they are, after the others.
func (b *Binding) Explain(err error) error {
	if err == nil {
		return nil
	}
	var vars []*VarError
	var others []error
	for _, e := range leaves(err, nil) {
		var ve *VarError
		var fe *FieldError
		switch {
		case errors.As(e, &ve):
			vars = append(vars, ve)
		case errors.As(e, &fe) && b.byPath[fe.Path] != nil:
			f := b.byPath[fe.Path]
			vars = append(vars, &VarError{Name: f.Name, Flag: f.Flag, Err: fe.Err})
		default:
			others = append(others, e)
		}
	}
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
	out := make([]error, 0, len(vars)+len(others))
	for _, v := range vars {
		out = append(out, v)
	}
	return errors.Join(append(out, others...)...)
}

// leaves flattens joined errors.
func leaves(err error, acc []error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			acc = leaves(e, acc)
		}
		return acc
	}
	return append(acc, err)
}
