// Command mlops deploys ML model endpoints to AWS ECS Fargate from GitHub Actions.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := cli.DefaultEnv(os.Stdout, os.Stderr)
	// mlops demo drives the cli package end to end, so it is wired here.
	e.Services.Demo = demo.Command
	code := cli.RunEnv(ctx, os.Args[1:], e)
	stop()
	os.Exit(code)
}
