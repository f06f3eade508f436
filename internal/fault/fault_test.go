package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestUsageAndHintSurviveWrapping(t *testing.T) {
	t.Parallel()
	base := errors.New("stack \"ep-a\": no such parameter ImageUri")
	usage := fmt.Errorf("deploy ep-a: %w", Usage(base))
	hinted := WithHint(usage, "run mlops plan --env ep-a")
	wrapped := fmt.Errorf("mlops deploy: %w", hinted)

	tests := []struct {
		name  string
		err   error
		usage bool
		hint  string
		msg   string
	}{
		{"plain", base, false, "", `stack "ep-a": no such parameter ImageUri`},
		{"usage keeps the message", Usage(base), true, "", `stack "ep-a": no such parameter ImageUri`},
		{"usage through %w", usage, true, "", `deploy ep-a: stack "ep-a": no such parameter ImageUri`},
		{"hint does not change the message", hinted, true, "run mlops plan --env ep-a", `deploy ep-a: stack "ep-a": no such parameter ImageUri`},
		{"both through another %w", wrapped, true, "run mlops plan --env ep-a", `mlops deploy: deploy ep-a: stack "ep-a": no such parameter ImageUri`},
		{"usagef formats and wraps", Usagef("file %s: %w", "p.json", base), true, "", `file p.json: stack "ep-a": no such parameter ImageUri`},
		{"joined with a usage error", errors.Join(base, Usage(errors.New("x"))), true, "", "stack \"ep-a\": no such parameter ImageUri\nx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := IsUsage(tc.err); got != tc.usage {
				t.Errorf("IsUsage = %v, want %v", got, tc.usage)
			}
			if got := Hint(tc.err); got != tc.hint {
				t.Errorf("Hint = %q, want %q", got, tc.hint)
			}
			if got := tc.err.Error(); got != tc.msg {
				t.Errorf("Error() = %q, want %q", got, tc.msg)
			}
			if !errors.Is(tc.err, base) && tc.name != "joined with a usage error" {
				t.Errorf("errors.Is(err, base) = false; wrapping lost the cause")
			}
		})
	}
}

func TestNilStaysNil(t *testing.T) {
	t.Parallel()
	if Usage(nil) != nil || WithHint(nil, "x") != nil {
		t.Error("Usage(nil) or WithHint(nil) is not nil; a successful call would look failed")
	}
}
