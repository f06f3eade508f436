package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Config is how the endpoint process runs.
type Config struct {
	WeightsDir  string        // directory holding current -> versions/<id>/
	Poll        time.Duration // how often current is checked
	Drain       time.Duration // how long in-flight requests may finish after SIGTERM
	CodeVersion string
	HealthPath  string // served like /ping as well; "" for /ping only
	Clock       clock.Clock
	Log         *slog.Logger
}

// Run serves on ln until ctx is cancelled (SIGTERM), then stops accepting
// connections and waits up to cfg.Drain for in-flight requests. ECS sends
// SIGTERM and waits stopTimeout (30 s by default) before SIGKILL:
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_timeout
func Run(ctx context.Context, cfg Config, ln net.Listener) error {
	store := NewStore(cfg.WeightsDir, cfg.Clock, cfg.Log)
	// Load what is there before serving so the first requests need not 503;
	// later versions load in the background.
	_, _ = store.Check()
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWatch()
	go store.Watch(watchCtx, cfg.Poll)

	srv := &http.Server{
		Handler:           NewHandler(store, cfg.CodeVersion, cfg.Log, healthPaths(cfg.HealthPath)...),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second, // above the ALB's default 60 s idle timeout
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	cfg.Log.Info("listening", "addr", ln.Addr().String(), "weights", cfg.WeightsDir, "code_version", cfg.CodeVersion)

	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	cfg.Log.Info("stopping: draining in-flight requests", "drain", cfg.Drain.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.Drain)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		return fmt.Errorf("drain requests within %s: %w", cfg.Drain, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	cfg.Log.Info("stopped")
	return nil
}

func healthPaths(p string) []string {
	if p == "" {
		return nil
	}
	return []string{p}
}
