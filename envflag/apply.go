package envflag

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
)

// maxFileSize bounds NAME_FILE reads: a secret or a certificate is far smaller, and a mistaken
// path such as /dev/zero must not hang start-up.
const maxFileSize = 1 << 20

// Apply reads every setting from its flag, variable or file and stores those that parse in the
// struct given to Bind; settings with no source, and settings whose value does not parse, keep their
// defaults. Call it after fs.Parse. Errors are *VarError values joined in variable-name order.
//
// Applying the good values despite bad ones is deliberate: the caller then runs Validate on the
// result, so one start-up reports the semantic problems of the other settings too, instead of
// revealing them one restart at a time. A caller must not use the config when Apply fails.
func (b *Binding) Apply() error {
	type pending struct {
		f *field
		v reflect.Value
	}
	var (
		errs []error
		sets []pending
	)
	for _, f := range b.fields {
		raw, ok, err := b.source(f)
		if err == nil && ok {
			v := reflect.New(f.value.Type()).Elem()
			if err = f.codec.parse(raw, v); err == nil {
				sets = append(sets, pending{f, v})
			}
		}
		if err != nil {
			errs = append(errs, &VarError{Name: f.Name, Flag: f.Flag, Err: err})
		}
	}
	for _, p := range sets {
		p.f.value.Set(p.v)
	}
	return errors.Join(errs...)
}

// source returns the raw text for f and whether any source supplied one.
func (b *Binding) source(f *field) (string, bool, error) {
	if f.flagSet {
		return f.flagRaw, true, nil
	}
	fileVar := f.Name + "_FILE"
	val, hasVal := b.lookup(f.Name)
	path, hasFile := b.lookup(fileVar)
	hasVal, hasFile = hasVal && val != "", hasFile && path != ""
	switch {
	case hasVal && hasFile:
		return "", false, fmt.Errorf("both %s and %s are set; use one", f.Name, fileVar)
	case hasVal:
		return val, true, nil
	case hasFile:
		s, err := readValueFile(path)
		if err != nil {
			return "", false, fmt.Errorf("%s: %w", fileVar, err)
		}
		return s, true, nil
	}
	return "", false, nil
}

// readValueFile returns the file's contents without the trailing newline that editors and
// `echo >` add.
func readValueFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}
