package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X ...cli.version=v1.2.3"); builds
// without it report the module version or the VCS revision.
var version = ""

func runVersion(_ context.Context, e *Env, args []string) error {
	fs := e.flags("version", "")
	if err := e.parse(fs, args, false); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "mlops %s\n", buildVersion())
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := vcsRevision(bi)
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "(devel) " + rev
}

// vcsRevision is the commit the binary was built from and whether the
// checkout had uncommitted changes.
func vcsRevision(bi *debug.BuildInfo) (rev string, dirty bool) {
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return rev, dirty
}
