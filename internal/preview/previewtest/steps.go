package previewtest

import (
	"context"
	"sync"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// Commenter records every comment update.
type Commenter struct {
	mu      sync.Mutex
	updates []string
	// Fail makes every update fail, as a read-only token on a fork's run does.
	Fail error
}

var _ preview.Commenter = (*Commenter)(nil)

// Comment records the body.
func (c *Commenter) Comment(_ context.Context, _ int, body string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates = append(c.updates, body)
	return c.Fail
}

// Updates returns every recorded body, in order.
func (c *Commenter) Updates() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.updates...)
}

// Tester answers every test run with Cases.
type Tester struct {
	Cases   []report.CaseResult
	mu      sync.Mutex
	Targets []preview.TestTarget
}

var _ preview.Tester = (*Tester)(nil)

// Test records the target and returns the configured cases.
func (t *Tester) Test(_ context.Context, target preview.TestTarget) ([]report.CaseResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.Targets = append(t.Targets, target)
	return append([]report.CaseResult(nil), t.Cases...), nil
}

// Builder "builds" an image by pushing its tag into the ECR stand-in.
type Builder struct {
	ECR        *awsfake.ECR
	Registry   string // e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com
	Repository string
	// Clock and Took make each build take time.
	Clock clock.Clock
	Took  time.Duration
}

var _ preview.Builder = (*Builder)(nil)

// Build pushes tag and returns the image URI.
func (b *Builder) Build(ctx context.Context, tag string) (string, error) {
	if b.Clock != nil {
		if err := b.Clock.Sleep(ctx, b.Took); err != nil {
			return "", err
		}
	}
	if err := b.ECR.PushTag(b.Repository, tag); err != nil {
		return "", err
	}
	return b.Registry + "/" + b.Repository + ":" + tag, nil
}
