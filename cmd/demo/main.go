// Command demo is the local end-to-end run of the suite: it plays recorded
// GitHub webhook payloads through the mlops commands the workflows run,
// against in-process stand-ins for AWS and GitHub (internal/demo). It is
// the only program that links the fakes; the mlops binary carries none.
//
//	go run ./cmd/demo [--root DIR] [--verbose]
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecs-mlops/ecs-mlops/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := demo.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
