//go:build unix

package weights_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/endpoint/server"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
	"github.com/ecs-mlops/ecs-mlops/internal/weights/s3test"
)

// TestEndpointLoadsWhatTheSyncPublishes runs the example endpoint's weight
// store against versions made by the sync: the manifest shape, the layout
// and the reload on a switch must agree between the two.
func TestEndpointLoadsWhatTheSyncPublishes(t *testing.T) {
	t.Parallel()
	srv := s3test.Start()
	t.Cleanup(srv.Close)
	model, err := os.ReadFile(filepath.Join("..", "..", "endpoint", "example-weights", "versions", "iris-v1", server.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.Put(ctx, "weights", "iris/"+server.ModelFile, string(model)); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	clk := clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	s := &weights.Syncer{S3: srv.Client, Clock: clk}
	opts := weights.Options{Source: weights.Source{Bucket: "weights", Prefix: "iris"}, Target: target}
	first, err := s.Sync(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	store := server.NewStore(target, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if changed, err := store.Check(); !changed || err != nil {
		t.Fatalf("endpoint did not load the first version: changed %v, %v", changed, err)
	}
	if got := store.Current().Version; got != first.Version {
		t.Errorf("endpoint serves %q, sync published %q", got, first.Version)
	}

	changedModel := strings.Replace(string(model), `"intercept": -14`, `"intercept": -13`, 1)
	if changedModel == string(model) {
		t.Fatal("example model has no intercept to change")
	}
	if err := srv.Put(ctx, "weights", "iris/"+server.ModelFile, changedModel); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	second, err := s.Sync(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := store.Check(); !changed || err != nil {
		t.Fatalf("endpoint did not reload after the switch: changed %v, %v", changed, err)
	}
	if got := store.Current().Version; got != second.Version || got == first.Version {
		t.Errorf("endpoint serves %q after the switch, want %q", got, second.Version)
	}
}
