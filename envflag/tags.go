package envflag

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// rejectedKeys are tag keys people write expecting another library's behaviour; accepting them
// silently would mean a default or a required check that never happens.
var rejectedKeys = map[string]string{
	"default":  "defaults are the struct's values: set them in DefaultConfig",
	"flag":     "flag names are derived from env names",
	"usage":    "use help",
	"required": "check it in Validate",
}

// parseTag reads the whole tag with reflect.StructTag's grammar. reflect only offers Lookup, which
// ignores malformed tags and returns the first of duplicate keys — both hide mistakes here. It
// returns this package's keys (env, envprefix, help), rejects duplicates of any key, misspellings
// of ours (any other key starting with "env", e.g. envPrefix, env_prefix, envDefault) and
// rejectedKeys; other libraries' keys (json, yaml, …) pass.
func parseTag(tag reflect.StructTag) (map[string]string, error) {
	ours := map[string]string{}
	seen := map[string]bool{}
	s := string(tag)
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return ours, nil
		}
		i := 0
		for i < len(s) && s[i] > ' ' && s[i] != ':' && s[i] != '"' && s[i] != 0x7f {
			i++
		}
		if i == 0 || i+1 >= len(s) || s[i] != ':' || s[i+1] != '"' {
			return nil, fmt.Errorf("malformed struct tag %q", string(tag))
		}
		key := s[:i]
		s = s[i+1:]
		i = 1
		for i < len(s) && s[i] != '"' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(s) {
			return nil, fmt.Errorf("malformed struct tag %q", string(tag))
		}
		value, err := strconv.Unquote(s[:i+1])
		if err != nil {
			return nil, fmt.Errorf("malformed struct tag %q", string(tag))
		}
		s = s[i+1:]

		if seen[key] {
			return nil, fmt.Errorf("duplicate tag key %q", key)
		}
		seen[key] = true
		switch lower := strings.ToLower(key); {
		case key == "env" || key == "envprefix" || key == "help":
			ours[key] = value
		case rejectedKeys[lower] != "":
			return nil, fmt.Errorf("unknown tag key %q: %s", key, rejectedKeys[lower])
		case strings.HasPrefix(lower, "env"):
			return nil, fmt.Errorf("unknown tag key %q (envflag knows env, envprefix and help)", key)
		}
	}
}
