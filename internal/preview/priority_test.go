package preview_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

// The ELBv2 fake, plain and as a role, answers priority allocation.
var (
	_ preview.ELBAPI = (*awsfake.ELB)(nil)
	_ preview.ELBAPI = (*awsfake.GatedELB)(nil)
)

func TestFirstChoiceIsDeterministic(t *testing.T) {
	t.Parallel()
	a := &preview.Allocator{}
	tests := []struct{ pr, attempt, want int }{
		{1, 0, 100},
		{17, 0, 116},
		{49901, 0, 50000},
		{49902, 0, 100}, // wraps within 100–50000
	}
	for _, tt := range tests {
		if got := a.FirstChoice(tt.pr, tt.attempt); got != tt.want {
			t.Errorf("FirstChoice(%d, %d) = %d, want %d", tt.pr, tt.attempt, got, tt.want)
		}
	}
	// Later attempts hash; the same inputs give the same answer, in range.
	for attempt := 1; attempt < 5; attempt++ {
		p1, p2 := a.FirstChoice(7, attempt), a.FirstChoice(7, attempt)
		if p1 != p2 || p1 < 100 || p1 > 50000 {
			t.Errorf("FirstChoice(7, %d) = %d then %d; want one stable value in 100–50000", attempt, p1, p2)
		}
	}
}

func TestAllocateSkipsUsedPriorities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		used  []int
		avoid []int
		pr    int
		want  int
	}{
		{"first choice free", []int{1, 2}, nil, 5, 104},
		{"first choice taken walks up", []int{104, 105, 106}, nil, 5, 107},
		{"avoid list honoured", []int{104}, []int{105}, 5, 106},
		{"wraps to the start of the range", []int{50000}, nil, 49901, 100},
		// Many rules: DescribeRules pages (page size capped at 20 in the fake).
		{"rules over several pages", seq(100, 160), nil, 1, 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			elb := newELB()
			elb.AddListener(listenerARN)
			for _, p := range tt.used {
				if _, err := elb.CreateRule(listenerARN, p); err != nil {
					t.Fatal(err)
				}
			}
			avoid := map[int]bool{}
			for _, p := range tt.avoid {
				avoid[p] = true
			}
			a := &preview.Allocator{ELB: elb}
			got, err := a.Allocate(context.Background(), listenerARN, tt.pr, 0, avoid)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Allocate = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAllocateFullRange(t *testing.T) {
	t.Parallel()
	elb := newELB()
	elb.AddListener(listenerARN)
	for _, p := range seq(100, 110) {
		if _, err := elb.CreateRule(listenerARN, p); err != nil {
			t.Fatal(err)
		}
	}
	a := &preview.Allocator{ELB: elb, Base: 100, Span: 10}
	_, err := a.Allocate(context.Background(), listenerARN, 3, 0, nil)
	want := "listener " + listenerARN + ": no free rule priority between 100 and 109; remove stale previews with mlops preview gc"
	if err == nil || err.Error() != want {
		t.Errorf("Allocate error = %v, want %q", err, want)
	}
}

func TestAllocateUnknownListener(t *testing.T) {
	t.Parallel()
	a := &preview.Allocator{ELB: newELB()}
	_, err := a.Allocate(context.Background(), "arn:nope", 3, 0, nil)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ListenerNotFound" {
		t.Errorf("Allocate error = %v, want a wrapped ListenerNotFound", err)
	}
}

func TestPriorityInUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantPrio int
		wantOK   bool
	}{
		{"nil", nil, 0, false},
		{"ELBv2 error", &smithy.GenericAPIError{Code: "PriorityInUse", Message: "Priority '105' is currently in use"}, 105, true},
		{"code only", fmt.Errorf("create rule: %w", &smithy.GenericAPIError{Code: "PriorityInUse", Message: "in use"}), 0, true},
		{"stack failure text", errors.New(`stack "ep-b-pr-3": ListenerRule CREATE_FAILED: Priority '7' is currently in use (Service: ElasticLoadBalancingV2, Status Code: 400, Error Code: PriorityInUse)`), 7, true},
		{"other failure", errors.New("CannotPullContainerError: pull access denied"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, ok := preview.PriorityInUse(tt.err)
			if p != tt.wantPrio || ok != tt.wantOK {
				t.Errorf("PriorityInUse = (%d, %v), want (%d, %v)", p, ok, tt.wantPrio, tt.wantOK)
			}
		})
	}
}

// TestFiftyConcurrentPreviews brings 50 previews up at once. Half of them
// share a first choice with another (PR n and n+49901 map to the same
// priority) and some first choices are held by rules already, so the
// probes race and CreateRule's PriorityInUse decides; every preview must
// still end with its own priority.
func TestFiftyConcurrentPreviews(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.life.Tester = nil
	// Every preview's first probe waits for all the others' first probe,
	// so all 50 choose from the same view of the listener.
	barrier := &barrierELB{ELB: r.elb, left: 50}
	barrier.all.Add(50)
	r.life.Allocator.ELB = barrier
	for _, p := range []int{100, 103, 106} {
		if _, err := r.elb.CreateRule(listenerARN, p); err != nil {
			t.Fatal(err)
		}
	}
	var prs []int
	for i := 1; i <= 25; i++ {
		prs = append(prs, i, i+49901)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(prs))
	for i, pr := range prs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.life.Up(context.Background(), preview.UpRequest{PR: pr, SHA: sha, Image: registry + "/ecs-mlops:pr"})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, pr := range prs {
		st, ok := r.cfn.Stack(fmt.Sprintf("ep-b-pr-%d", pr))
		if !ok || st.StackStatus != "CREATE_COMPLETE" {
			t.Fatalf("stack of PR %d: %v %v", pr, ok, st.StackStatus)
		}
		for _, p := range st.Parameters {
			if *p.ParameterKey == "ListenerRulePriority" {
				if other, dup := seen[*p.ParameterValue]; dup {
					t.Errorf("PR %d and PR %d share priority %s", pr, other, *p.ParameterValue)
				}
				seen[*p.ParameterValue] = pr
			}
		}
	}
	if len(seen) != 50 {
		t.Errorf("%d distinct priorities, want 50", len(seen))
	}
	// The listener holds exactly the 5 pre-existing rules and the 50 previews'.
	if got := len(r.elb.Priorities(listenerARN)); got != 55 {
		t.Errorf("listener has %d rules, want 55", got)
	}
	if r.elb.Clashes() == 0 || len(r.deployer.Requests) != 50+r.elb.Clashes() {
		t.Errorf("%d deploys for 50 previews and %d PriorityInUse answers; want each clash retried once", len(r.deployer.Requests), r.elb.Clashes())
	}
}

// barrierELB holds the first n DescribeRules calls until all n arrived.
type barrierELB struct {
	*awsfake.ELB
	mu   sync.Mutex
	left int
	all  sync.WaitGroup
}

func (b *barrierELB) DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	b.mu.Lock()
	first := in.Marker == nil && b.left > 0
	if first {
		b.left--
	}
	b.mu.Unlock()
	// Read first, then wait: every first probe reflects the listener as it
	// was before any preview created its rule.
	out, err := b.ELB.DescribeRules(ctx, in, opts...)
	if first {
		b.all.Done()
		b.all.Wait()
	}
	return out, err
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
