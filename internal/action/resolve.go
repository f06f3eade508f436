package action

import "strings"

// Value is a setting resolved from the first source that has it.
type Value struct {
	Value  string
	Source string // "flag", "input", "env", "config" or "default"
}

// Setting names one setting in every source it can come from.
type Setting struct {
	Flag   string // flag and action-input name, e.g. "allow-replace"
	Env    []string
	Config string // the value from .github/mlops.yml, "" when unset
	Def    string
}

// Resolve applies the suite's one precedence order:
// flag > action input (INPUT_*) > environment > .github/mlops.yml > default.
// flagSet is whether the flag appeared on the command line and flagValue its value.
func (a *Action) Resolve(s Setting, flagValue string, flagSet bool) Value {
	if flagSet {
		return Value{flagValue, "flag"}
	}
	if v := a.Input(s.Flag); v != "" {
		return Value{v, "input"}
	}
	for _, e := range s.Env {
		if v := strings.TrimSpace(a.getenv(e)); v != "" {
			return Value{v, "env"}
		}
	}
	if s.Config != "" {
		return Value{s.Config, "config"}
	}
	return Value{s.Def, "default"}
}
