package fault

import "fmt"

// Problem is one thing wrong in an input file (the config, a template or
// a parameter file), located by key path and, where the parser knows it,
// by line. It is the one type of bad input the suite reports: the config
// checks, the template checks (mlops check), the parameter-file reader and
// the deploy engine's offline checks all return Problems, and the CLI
// renders them (a line on a terminal, an annotation in Actions).
type Problem struct {
	File string
	Line int    // 0 when unknown
	Key  string // key path such as environments.ep-b.preview.label
	Msg  string // what is wrong (and how to fix it, when Fix is empty)
	// Fix says what to change, when Msg does not say it already.
	Fix string
	// Warning marks a problem that does not stop a deploy; mlops check
	// fails on it only with --strict.
	Warning bool
}

// Error renders the problem for a terminal or a log:
// "file:line: key: message; fix: what to change".
func (p *Problem) Error() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	msg := p.Msg
	if p.Fix != "" {
		msg += "; fix: " + p.Fix
	}
	if p.Key == "" {
		return fmt.Sprintf("%s: %s", where, msg)
	}
	return fmt.Sprintf("%s: %s: %s", where, p.Key, msg)
}
