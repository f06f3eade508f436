package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

// TestHelp pins the help of mlops and of every registered command: a new
// command needs its golden file (go test ./internal/cli -run TestHelp -update).
func TestHelp(t *testing.T) {
	t.Parallel()
	type helpCase struct {
		name string
		args []string
	}
	cases := []helpCase{
		{"mlops", nil},
		{"mlops", []string{"--help"}},
		{"mlops", []string{"-h"}},
		{"mlops", []string{"help"}},
		{"config-validate", []string{"config", "validate", "--help"}},
	}
	for _, c := range commands() {
		cases = append(cases, helpCase{c.name, []string{c.name, "--help"}}, helpCase{c.name, []string{"help", c.name}})
	}
	for _, tc := range cases {
		t.Run(strings.Join(append([]string{"mlops"}, tc.args...), " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, nil, tc.args...)
			if r.code != ExitOK || r.stderr != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
			}
			if tc.name != "mlops" && !strings.HasPrefix(r.stdout, "Usage: mlops ") {
				t.Errorf("help does not start with a usage line:\n%s", r.stdout)
			}
			golden.Check(t, "help/"+tc.name+".golden", r.stdout)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"deploy-everything"}, "mlops: unknown command \"deploy-everything\"; run mlops --help to list the commands\n"},
		{[]string{"help", "nope"}, "mlops: unknown command \"nope\"; run mlops --help to list the commands\n"},
		// The demo links the fakes, so the product binary only points to it.
		{[]string{"demo"}, "mlops: the demo is its own program: run go run ./cmd/demo in a checkout of the repository\n"},
		{[]string{"demo", "--verbose"}, "mlops: the demo is its own program: run go run ./cmd/demo in a checkout of the repository\n"},
		{[]string{"version", "--json"}, "error: mlops version: flag provided but not defined: -json; run mlops version --help\n"},
		{[]string{"version", "extra"}, "error: mlops version: unexpected argument \"extra\"; run mlops version --help\n"},
		{[]string{"config", "check"}, "error: mlops config: unknown subcommand \"check\"; use mlops config validate\n"},
		{[]string{"event", "--event-name"}, "error: mlops event: flag needs an argument: -event-name; run mlops event --help\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			got := run(t, nil, tc.args...)
			if diff := cmp.Diff(result{ExitUsage, "", tc.stderr}, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("mlops %v (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	got := run(t, nil, "version")
	want := result{ExitOK, fmt.Sprintf("mlops %s\n", buildVersion()), ""}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("mlops version (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.stdout, "mlops (devel)") {
		t.Errorf("a build without -ldflags version reports %q, want (devel)", got.stdout)
	}
}
