package cli

import (
	"context"
	"path/filepath"

	"github.com/ecs-mlops/ecs-mlops/internal/compare"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/probe"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// compareCheck is the preview's comparison with A, checked offline.
type compareCheck struct {
	settings config.Compare
	reqs     []compare.Request
	baseline *config.Environment
}

// checkCompare loads the requests a preview is compared with A on. With
// no compare section and no file at the default place there is nothing to
// compare, which is no error; anything else wrong is a usage error found
// before the first write.
func checkCompare(cfg *config.Config) (*compareCheck, error) {
	s := cfg.CompareSettings()
	if cfg.Compare == nil {
		if m, _ := filepath.Glob(config.DefaultCompareRequests); len(m) == 0 {
			return nil, nil
		}
	}
	base := cfg.BaselineEnv()
	if base == nil || base.URLOutput == "" {
		return nil, fault.Usage(&fault.Problem{File: cfg.Path, Key: "compare.baseline",
			Msg: "names no environment with a url_output to compare previews with; set compare.baseline to one, e.g. ep-a"})
	}
	reqs, err := compare.Load(s.Requests)
	if err != nil {
		return nil, fault.Usage(err)
	}
	return &compareCheck{settings: s, reqs: reqs, baseline: base}, nil
}

// previewComparer compares a preview with the baseline environment,
// reaching both through their load balancers.
type previewComparer struct {
	c        *compare.Comparer
	baseline *config.Environment
	stacks   probe.StackAPI
	logf     func(string, ...any)
}

func (p *previewComparer) Compare(ctx context.Context, t preview.TestTarget) (*report.Comparison, error) {
	b, err := previewTarget(t)
	if err != nil {
		return nil, err
	}
	a, err := p.baselineTarget(ctx)
	if err != nil {
		return nil, err
	}
	if p.logf != nil {
		p.logf("comparing %s (B) with %s (A) on %d requests each, interleaved", b, a, len(p.c.Requests))
	}
	return p.c.Measure(ctx, compare.Side{Name: p.baseline.Name, Target: a}, compare.Side{Name: t.Host, Target: b})
}

// baselineTarget reads A's URL and load balancer from its stack.
func (p *previewComparer) baselineTarget(ctx context.Context) (probe.Target, error) {
	stack := p.baseline.StackFor(0)
	outs, err := probe.StackOutputs(ctx, p.stacks, stack)
	if err != nil {
		return probe.Target{}, err
	}
	u, err := probe.OutputOf(outs, stack, p.baseline.URLOutput)
	if err != nil {
		return probe.Target{}, err
	}
	if alb := outs[probe.LoadBalancerOutput]; alb != "" {
		return probe.ThroughLoadBalancer(u, "", alb)
	}
	return probe.ParseTarget(u, "")
}
