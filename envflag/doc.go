// Package envflag binds a tagged configuration struct to environment variables and command-line
// flags at once, so that "every setting is an environment variable COMPANIONHUB_… with an
// equivalent flag" holds by construction rather than by discipline: a setting cannot be added to
// the struct without a variable name, a flag and help text, and the README table can be generated
// from (or checked against) Binding.Vars.
//
// # Tags
//
//	type Config struct {
//		HTTPAddr string        `env:"HTTP_ADDR" help:"address to listen on"`
//		APIKey   secret.String `env:"LLM_API_KEY" help:"API key of the LLM provider"`
//		Auth     AuthConfig    `envprefix:"AUTH_"` // AUTH_SESSION_TTL, …
//		Log      zaplog.Config `envprefix:""`      // flattened: its own names, no prefix
//		Derived  bool          `env:"-"`           // deliberately not configurable
//	}
//
// Every exported field must say what it is: `env:"NAME" help:"…"` for a setting, `envprefix:"P_"`
// for a nested struct or a Group (an empty prefix flattens it; embedded structs are flattened by
// default), or `env:"-"` to opt out. Anything else — a missing tag, a misspelt key such as
// envPrefix or envDefault, a default:"…" tag (defaults are the struct's values), a duplicate name,
// a name that collides with an existing flag — is a programming error that Bind reports, so a test
// that calls Bind on the real config catches it.
//
// # Groups
//
// Some settings are known only at run time: the own settings of the pluggable backends a binary
// links, or one setting per rule of a table that must stay the single source of truth. A field
// whose type (or pointer to it) implements Group is tagged envprefix:"P_" (or envprefix:"", even
// when embedded) and contributes the members its EnvMembers method returns, called once by Bind:
//
//	type Config struct {
//		Backends   Backends   `envprefix:""`            // COMFYUI_WORKFLOW, … from each linked backend
//		RateLimits RateLimits `envprefix:"RATE_LIMIT_"` // RATE_LIMIT_LOGIN, … one per rule
//	}
//
//	func (r RateLimits) EnvMembers() []envflag.Member {
//		ms := make([]envflag.Member, len(r))
//		for i := range r { // &r[i].Limit, not a range copy's: Apply writes through it
//			ms[i] = envflag.Member{Name: r[i].Name, Env: r[i].Env, Help: r[i].Help, Value: &r[i].Limit}
//		}
//		return ms
//	}
//
// A member's Value points to a tagged struct, walked like a field tagged envprefix:Env, or to a
// single value whose variable is the group's prefix + Env, documented by Help. Every rule above
// holds for members too — help is required, names are checked and unique across the whole config,
// the values at Bind time are the defaults — and a member without a Name, with a nil Value, or
// named like another member of its group is a Bind error, as are two variables writing one value.
//
// Paths name members by Name under the group's field: RateLimits.Login for a single value,
// Backends.comfyui.Workflow for a struct member's field. A group's Validate reports paths from the
// member Name down and the config re-roots them, Within("RateLimits", c.RateLimits.Validate()), so
// Explain names the variable as for any other field.
//
// # Names
//
// With root prefix "COMPANIONHUB_", field `env:"HTTP_ADDR"` inside `envprefix:"AUTH_"` is read from
// COMPANIONHUB_AUTH_HTTP_ADDR and from the flag --auth-http-addr (the name after the root prefix,
// lower-cased, "_" → "-"; Go's flag package accepts one or two dashes). Boolean flags may be given
// bare (--dev) or as --dev=false; "--dev false" does not work, as everywhere in package flag.
//
// # Sources and precedence
//
// flag > environment variable > NAME_FILE (a path whose contents are the value; one trailing
// newline is dropped) > the value already in the struct (the caller fills defaults first). Setting
// both NAME and NAME_FILE is an error rather than a silent choice. An empty environment variable
// counts as unset, because compose files and shell scripts routinely export FOO="${FOO}" for
// variables that have no value; to set a string to empty, use the flag (--public-url=).
//
// Secrets can be passed as flags for completeness, but a process's arguments are visible to other
// local users; prefer the variable or, in containers, NAME_FILE.
//
// # Errors
//
// Apply reports every bad value at once, sorted by variable name, each naming the variable and the
// flag; bad values leave their defaults in place and good ones are applied, so Validate can report
// the rest in the same run:
//
//	COMPANIONHUB_HTTP_TIMEOUT (--http-timeout): invalid duration "abc" (e.g. 30s, 5m, 1h30m)
//
// Semantic checks live in each package's Config.Validate, which knows Go field paths, not variable
// names. Validate returns FieldError values (Field, Fieldf; Within re-roots a sub-config's errors
// under its field), and Binding.Explain rewrites them into the same VarError form, so a bad value
// always stops start-up with a message naming the variable.
package envflag
