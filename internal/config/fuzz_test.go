package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// FuzzParse checks that Parse never panics, that every rejection is a list
// of Problems naming the file, and that whatever it accepts is valid.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("mlops.yml", data)
		if err != nil {
			for _, e := range flatten(err) {
				var p *fault.Problem
				if !errors.As(e, &p) {
					t.Fatalf("error %q (%T) is not a fault.Problem", e, e)
				}
				if !strings.HasPrefix(e.Error(), "mlops.yml") {
					t.Errorf("problem %q does not name the file", e)
				}
			}
			return
		}
		if len(c.Environments) == 0 || c.Region == "" {
			t.Errorf("Parse accepted a config without region or environments: %q", data)
		}
		for name, e := range c.Environments {
			if e == nil || e.Name != name {
				t.Errorf("environment %q not filled in: %+v", name, e)
			}
		}
	})
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
