package probe

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// eval checks a decoded JSON document; it returns "" when the assertion
// holds, else what was expected and what was found.
func (a *Assertion) eval(doc any) string {
	nodes := a.path.Select(doc)
	switch {
	case a.Exists != nil && !*a.Exists && len(nodes) > 0:
		return fmt.Sprintf("%s: expected no value, found %s", a.Path, show(nodes[0]))
	case a.Exists != nil && !*a.Exists:
		return ""
	case len(nodes) == 0 && a.Exists != nil:
		return fmt.Sprintf("%s: expected a value, found none", a.Path)
	case len(nodes) == 0:
		return fmt.Sprintf("%s: selects nothing in the response", a.Path)
	}
	for _, n := range nodes {
		if msg := a.evalNode(n); msg != "" {
			return fmt.Sprintf("%s: %s", a.Path, msg)
		}
	}
	return ""
}

func (a *Assertion) evalNode(n any) string {
	if a.Equals != nil && !reflect.DeepEqual(a.equals, n) {
		return fmt.Sprintf("expected %s, got %s", show(a.equals), show(n))
	}
	if a.re != nil {
		s, ok := n.(string)
		if !ok {
			return fmt.Sprintf("expected a string matching %q, got %s", a.Matches, show(n))
		}
		if !a.re.MatchString(s) {
			return fmt.Sprintf("expected a match for %q, got %s", a.Matches, show(n))
		}
	}
	if a.Min == nil && a.Max == nil {
		return ""
	}
	f, ok := n.(float64)
	if !ok {
		return fmt.Sprintf("expected a number, got %s", show(n))
	}
	if a.Min != nil && f < *a.Min {
		return fmt.Sprintf("expected at least %v, got %v", *a.Min, f)
	}
	if a.Max != nil && f > *a.Max {
		return fmt.Sprintf("expected at most %v, got %v", *a.Max, f)
	}
	return ""
}

// show renders a JSON value for a message, shortened.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return excerpt(b, 80)
}
