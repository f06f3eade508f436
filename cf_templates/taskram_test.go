package cftemplates

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestTaskRAMForms: TaskRAM takes memory as ECS does, MiB or GB with the
// unit ("2GB" in the original parameter files), and refuses what ECS
// would refuse, naming the forms it takes.
func TestTaskRAMForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value string
		ok    bool
	}{
		{"2048", true},
		{"512", true},
		{"122880", true},
		{"2GB", true},
		{"2 GB", true},
		{"120GB", true},
		{"2 G", false},
		{"0.5GB", false},
		{"2gb", false},
		{"64", false},
		{"", false},
	}
	for _, name := range []string{"create-ep-a", "add-ep-b"} {
		tpl, err := stack.ReadTemplate(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		file, err := cfn.ReadParamFile(filepath.Join(".", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			_, err := stack.Resolve(stack.Inputs{Template: tpl, File: file, Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("a", 64),
				ImageParam: "ImageUri", Overrides: []string{"TaskRAM=" + c.value}})
			// add-ep-b.json leaves the values a preview takes from A's
			// outputs unset; only what is said of TaskRAM counts here.
			var said []string
			if err != nil {
				for _, l := range strings.Split(err.Error(), "\n") {
					if strings.Contains(l, "TaskRAM") {
						said = append(said, l)
					}
				}
			}
			switch {
			case c.ok && len(said) > 0:
				t.Errorf("%s: TaskRAM=%q refused: %v", name, c.value, said)
			case !c.ok && len(said) == 0:
				t.Errorf("%s: TaskRAM=%q accepted; ECS would refuse it", name, c.value)
			case !c.ok && !strings.Contains(said[0], "2GB or 2 GB"):
				t.Errorf("%s: TaskRAM=%q: the error does not say which forms are taken: %v", name, c.value, said)
			}
		}
	}
}
