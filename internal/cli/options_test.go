package cli

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// sample is an options struct with one field of every kind.
type sample struct {
	Name    string
	Count   int
	On      bool
	Timeout time.Duration
	Items   []string
}

func (s *sample) declare(o *options) {
	o.String(&s.Name, "name", "a name").Env("SAMPLE_NAME").Default("fallback").
		Config("sample.name", func(*config.Config) string { return "from-config" })
	o.Int(&s.Count, "count", 3, 1, "a count").Env("SAMPLE_COUNT")
	o.Bool(&s.On, "on", "a switch")
	o.Duration(&s.Timeout, "timeout", 30*time.Minute, "a timeout").Env("SAMPLE_TIMEOUT")
	o.List(&s.Items, "item", "an item; repeatable").Input("items")
}

func TestOptionsPrecedence(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Path: ".github/mlops.yml"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		cfg  *config.Config
		want sample
	}{
		{"defaults", nil, nil, nil, sample{Name: "fallback", Count: 3, Timeout: 30 * time.Minute}},
		{"config below the environment", nil, nil, cfg, sample{Name: "from-config", Count: 3, Timeout: 30 * time.Minute}},
		{"environment below the input", nil, map[string]string{"SAMPLE_NAME": "env", "INPUT_COUNT": "5", "SAMPLE_COUNT": "4"}, cfg,
			sample{Name: "env", Count: 5, Timeout: 30 * time.Minute}},
		{"flag above everything", []string{"--name", "flag", "--count", "7", "--on", "--timeout", "1h", "--item", "a", "--item", "b"},
			map[string]string{"INPUT_NAME": "input", "INPUT_ON": "false", "INPUT_ITEMS": "c"}, cfg,
			sample{Name: "flag", Count: 7, On: true, Timeout: time.Hour, Items: []string{"a", "b"}}},
		{"list input one item a line", nil, map[string]string{"INPUT_ITEMS": "a=1\n\n  b=2 \n", "INPUT_ON": "true"}, cfg,
			sample{Name: "from-config", Count: 3, On: true, Timeout: 30 * time.Minute, Items: []string{"a=1", "b=2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := NewTestEnv(io.Discard, io.Discard, tt.env)
			var got sample
			o := e.newOptions("sample", "")
			got.declare(o)
			if err := o.parse(tt.args, false); err != nil {
				t.Fatal(err)
			}
			if tt.cfg != nil {
				if err := o.resolve(tt.cfg); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// Every bad value is reported at once, each naming its flag, its value
// and where it came from.
func TestOptionsBadValues(t *testing.T) {
	t.Parallel()
	env := map[string]string{"INPUT_ON": "maybe", "SAMPLE_TIMEOUT": "soon"}
	e := NewTestEnv(io.Discard, io.Discard, env)
	var s sample
	o := e.newOptions("sample", "")
	s.declare(o)
	err := o.parse([]string{"--count", "0"}, false)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`mlops sample: --count "0" must be a whole number of at least 1`,
		`mlops sample: --on "maybe" must be true or false (action input on)`,
		`mlops sample: --timeout "soon" is not a positive duration such as 30m or 1h (environment variable SAMPLE_TIMEOUT)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if e.exit(err) != ExitUsage {
		t.Errorf("bad values are not a usage error: %v", err)
	}
}
