// Command mlops deploys ML model endpoints to AWS ECS Fargate from GitHub Actions.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
