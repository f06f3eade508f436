package cftemplates

import (
	"fmt"
	"strings"
	"testing"
)

// dig walks a decoded template along path (map keys as strings, list
// indexes as ints) and fails the test naming the path where the template
// has another shape, so that a template shaped differently (a user's, the
// original project's) is reported instead of panicking the test binary.
func dig(t testing.TB, v any, path ...any) any {
	t.Helper()
	for i, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("template at %s: want a mapping with key %q, got %s", where(path[:i]), s, shape(v))
			}
			if v, ok = m[s]; !ok {
				t.Fatalf("template at %s: no key %q", where(path[:i]), s)
			}
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				t.Fatalf("template at %s: want a list with item %d, got %s", where(path[:i]), s, shape(v))
			}
			v = l[s]
		default:
			t.Fatalf("dig: path step %v is neither a key nor an index", step)
		}
	}
	return v
}

// digMap is dig for a mapping.
func digMap(t testing.TB, v any, path ...any) map[string]any {
	t.Helper()
	m, ok := dig(t, v, path...).(map[string]any)
	if !ok {
		t.Fatalf("template at %s: want a mapping, got %s", where(path), shape(dig(t, v, path...)))
	}
	return m
}

// digList is dig for a list.
func digList(t testing.TB, v any, path ...any) []any {
	t.Helper()
	l, ok := dig(t, v, path...).([]any)
	if !ok {
		t.Fatalf("template at %s: want a list, got %s", where(path), shape(dig(t, v, path...)))
	}
	return l
}

// digString is dig for a string.
func digString(t testing.TB, v any, path ...any) string {
	t.Helper()
	s, ok := dig(t, v, path...).(string)
	if !ok {
		t.Fatalf("template at %s: want a string, got %s", where(path), shape(dig(t, v, path...)))
	}
	return s
}

func where(path []any) string {
	if len(path) == 0 {
		return "the top"
	}
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

func shape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}
