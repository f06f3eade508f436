package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func runConfig(ctx context.Context, e *Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(e.Stdout, "Usage: mlops config validate [--config FILE]\n\nSubcommands:\n  validate   check the config file and report every problem with its line\n")
		return nil
	}
	if args[0] != "validate" {
		return fault.Usagef("mlops config: unknown subcommand %q; use mlops config validate", args[0])
	}
	var path string
	opts := e.newOptions("config validate", "[--config FILE]")
	opts.configOption(&path)
	if err := opts.parse(args[1:], false); err != nil {
		return err
	}
	c, err := loadConfigFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: ok (%d environments: %s)\n", c.Path, len(c.Environments), strings.Join(c.EnvNames(), ", "))
	return nil
}
