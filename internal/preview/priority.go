package preview

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
)

// Listener-rule priorities are unique per listener and range over 1–50,000
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html).
const (
	maxPriority = 50000
	// DefaultPriorityBase leaves 1–99 to the hand-written rules of the
	// shared stack (endpoint A and B).
	DefaultPriorityBase = 100
)

// ELBAPI is the part of the ELBv2 API priority allocation needs.
type ELBAPI interface {
	DescribeRules(ctx context.Context, params *elbv2.DescribeRulesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
}

// Allocator picks a free listener-rule priority for a preview.
type Allocator struct {
	ELB ELBAPI
	// Base and Span bound the priorities previews use: [Base, Base+Span).
	// Zero values mean DefaultPriorityBase and the rest of the range.
	Base, Span int
}

func (a *Allocator) bounds() (base, span int) {
	base, span = a.Base, a.Span
	if base <= 0 {
		base = DefaultPriorityBase
	}
	if span <= 0 || base+span-1 > maxPriority {
		span = maxPriority - base + 1
	}
	return base, span
}

// FirstChoice is the deterministic priority tried first for pr on attempt
// (0 for the first try): the PR number itself within the range, so a
// listener's rules read in PR order; later attempts hash, so previews that
// collided once spread out instead of colliding again.
func (a *Allocator) FirstChoice(pr, attempt int) int {
	base, span := a.bounds()
	if attempt == 0 {
		return base + (pr-1+span)%span
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", pr, attempt)
	return base + int(h.Sum32()%uint32(span))
}

// Allocate returns a priority for pr that no rule of listenerArn holds and
// that is not in avoid, starting at FirstChoice and walking upwards (with
// wrap-around). The listener's rules are read on every call, so a retry
// after PriorityInUse sees the rule that won the race.
func (a *Allocator) Allocate(ctx context.Context, listenerArn string, pr, attempt int, avoid map[int]bool) (int, error) {
	used, err := a.usedPriorities(ctx, listenerArn)
	if err != nil {
		return 0, err
	}
	base, span := a.bounds()
	start := a.FirstChoice(pr, attempt)
	for i := 0; i < span; i++ {
		p := base + (start-base+i)%span
		if !used[p] && !avoid[p] {
			return p, nil
		}
	}
	return 0, fmt.Errorf("listener %s: no free rule priority between %d and %d; remove stale previews with mlops preview gc", listenerArn, base, base+span-1)
}

// usedPriorities reads every rule of the listener, page by page (DescribeRules
// has no SDK paginator; it pages with Marker/NextMarker).
func (a *Allocator) usedPriorities(ctx context.Context, listenerArn string) (map[int]bool, error) {
	used := map[int]bool{}
	in := &elbv2.DescribeRulesInput{ListenerArn: aws.String(listenerArn), PageSize: aws.Int32(400)}
	for {
		out, err := a.ELB.DescribeRules(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe rules of listener %s: %w", listenerArn, err)
		}
		for _, r := range out.Rules {
			// The default rule's priority is the string "default".
			if p, err := strconv.Atoi(aws.ToString(r.Priority)); err == nil {
				used[p] = true
			}
		}
		if aws.ToString(out.NextMarker) == "" {
			return used, nil
		}
		in.Marker = out.NextMarker
	}
}

// priorityInUseRe matches ELBv2's message, which CloudFormation repeats in a
// failed ListenerRule's status reason: "Priority '5' is currently in use".
var priorityInUseRe = regexp.MustCompile(`Priority '(\d+)' is currently in use`)

// PriorityInUse reports whether err says a listener-rule priority was
// taken, and which one (0 when the message does not say). It recognises
// the ELBv2 error code and the same text inside a stack failure.
func PriorityInUse(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	var api smithy.APIError
	coded := errors.As(err, &api) && api.ErrorCode() == "PriorityInUse"
	msg := err.Error()
	if m := priorityInUseRe.FindStringSubmatch(msg); m != nil {
		p, _ := strconv.Atoi(m[1])
		return p, true
	}
	return 0, coded || strings.Contains(msg, "PriorityInUse")
}
