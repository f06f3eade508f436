package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// Event is one stack event as the deploy log shows it.
type Event struct {
	ID         string
	Time       time.Time
	Elapsed    time.Duration // since the operation started
	LogicalID  string
	PhysicalID string
	Type       string
	Status     string
	Reason     string
}

// String renders the event as one aligned log line.
func (e Event) String() string {
	return strings.TrimRight(fmt.Sprintf("%7s  %-36s %-24s %-42s %s", "+"+e.Elapsed.Round(time.Second).String(), e.Status, e.LogicalID, e.Type, e.Reason), " ")
}

// statusCheck is how long the event stream may stay quiet before the
// stack's status is read directly, in case the last event is late or was
// missed; it costs about two calls a minute during a long wait.
const statusCheck = 30 * time.Second

// heartbeat is how often a quiet wait says what it is waiting for, so a
// long ECS rollout does not look like a hung job.
const heartbeat = time.Minute

// errDeadline is returned by waitStack when the deadline passes first.
var errDeadline = errors.New("deadline passed")

// streamer reads a stack's new events since an operation began, in order,
// each once. DescribeStackEvents answers newest first, a page at a time:
// the streamer first records the newest page as seen (baseline; nothing
// for a stack this deploy creates), then reads back only until an event it
// has seen. Which events are this operation's is told by client request
// token. Neither depends on the runner's clock, which may be minutes off
// CloudFormation's.
type streamer struct {
	d      *Deployer
	stack  string
	since  time.Time // the runner's time the operation began, for Elapsed
	began  time.Time // the runner's time of the call that started it, if known
	tokens []string  // events with another token are skipped; none accepts all
	seen   map[string]bool
	events []Event
	polls  int
}

// newStreamer returns a streamer for an operation on stack (token "" for
// one this deploy did not start); unless the stack is new, its baseline
// must be read before the operation starts.
func (d *Deployer) newStreamer(stack, token string) *streamer {
	s := &streamer{d: d, stack: stack, since: d.Clock.Now(), seen: map[string]bool{}}
	if token != "" {
		s.tokens = []string{token}
	}
	return s
}

// follow returns a streamer for the operation about to start on an
// existing stack, its baseline read.
func (d *Deployer) follow(ctx context.Context, stack, token string) (*streamer, error) {
	s := d.newStreamer(stack, token)
	return s, s.baseline(ctx)
}

// baseline records the newest page of events as seen, so only what
// happens from now on is streamed.
func (s *streamer) baseline(ctx context.Context) error {
	out, err := s.d.CFN.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(s.stack)})
	if err != nil && !cfn.StackMissing(err) {
		return fmt.Errorf("read events of stack %q: %w", s.stack, err)
	}
	if out != nil {
		for _, e := range out.StackEvents {
			s.seen[aws.ToString(e.EventId)] = true
		}
	}
	return nil
}

// poll returns the events that appeared since the last poll, oldest first.
// gone reports that the stack no longer exists.
func (s *streamer) poll(ctx context.Context) (fresh []Event, gone bool, err error) {
	var next *string
	var page []types.StackEvent
	s.polls++
	for done := false; !done; {
		out, err := s.d.CFN.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(s.stack), NextToken: next})
		if cfn.StackMissing(err) {
			return nil, true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read events of stack %q: %w", s.stack, err)
		}
		for _, e := range out.StackEvents {
			if s.seen[aws.ToString(e.EventId)] {
				done = true
				break
			}
			page = append(page, e)
		}
		next = out.NextToken
		done = done || next == nil
	}
	slices.Reverse(page)
	for _, e := range page {
		s.seen[aws.ToString(e.EventId)] = true
		if !s.ours(aws.ToString(e.ClientRequestToken)) {
			continue
		}
		ev := Event{
			ID: aws.ToString(e.EventId), Time: aws.ToTime(e.Timestamp), Elapsed: max(aws.ToTime(e.Timestamp).Sub(s.since), 0),
			LogicalID: aws.ToString(e.LogicalResourceId), PhysicalID: aws.ToString(e.PhysicalResourceId),
			Type: aws.ToString(e.ResourceType), Status: string(e.ResourceStatus), Reason: aws.ToString(e.ResourceStatusReason),
		}
		s.events = append(s.events, ev)
		fresh = append(fresh, ev)
	}
	return fresh, false, nil
}

// awsTime converts t from the runner's clock to AWS's, by how far the
// operation's first event is from the call that started it; ECS's
// deployment, event and task times are AWS's, and the runner's clock may
// be minutes off. Without that event t is returned as it is.
func (s *streamer) awsTime(t time.Time) time.Time {
	if s.began.IsZero() || len(s.events) == 0 {
		return t
	}
	return t.Add(s.events[0].Time.Sub(s.began))
}

// ours tells this operation's events from others' by client request
// token; an event without one (some emulators send none) is taken as
// ours, since nothing else runs on the stack meanwhile.
func (s *streamer) ours(token string) bool {
	return token == "" || len(s.tokens) == 0 || slices.Contains(s.tokens, token)
}

// stackStatus returns the stack's status if ev is the stack's own event.
func (s *streamer) stackStatus(ev Event) (types.StackStatus, bool) {
	if ev.Type != "AWS::CloudFormation::Stack" || ev.LogicalID != s.stack {
		return "", false
	}
	return types.StackStatus(ev.Status), true
}

// IsSuccess reports whether an operation that ended in s did what was asked.
func IsSuccess(s types.StackStatus) bool {
	switch s {
	case types.StackStatusCreateComplete, types.StackStatusUpdateComplete, types.StackStatusImportComplete:
		return true
	}
	return false
}

// waitStack streams events until the stack reaches a terminal status (or
// disappears: DELETE_COMPLETE) and returns it. At the deadline it returns
// errDeadline with the status so far.
func (d *Deployer) waitStack(ctx context.Context, s *streamer, deadline time.Time) (types.StackStatus, error) {
	interval, quietSince, shown := pollMin, d.Clock.Now(), d.Clock.Now()
	last := types.StackStatus("")
	for {
		fresh, gone, err := s.poll(ctx)
		if err != nil {
			return last, err
		}
		if gone {
			return types.StackStatusDeleteComplete, nil
		}
		for _, ev := range fresh {
			d.report().Printf("%s", ev)
			if st, ok := s.stackStatus(ev); ok {
				last = st
			}
		}
		if last != "" && cfn.IsTerminal(last) {
			return last, nil
		}
		if len(fresh) > 0 {
			interval, quietSince, shown = pollMin, d.Clock.Now(), d.Clock.Now()
		} else {
			interval = nextPoll(interval)
		}
		if d.Clock.Now().Sub(shown) >= heartbeat {
			shown = d.Clock.Now()
			if e, ok := s.stuck(); ok {
				d.report().Printf("%7s  still waiting: %s %s %s for %s", "", e.Type, e.LogicalID, e.Status, s.awsTime(d.Clock.Now()).Sub(e.Time).Round(time.Second))
			}
		}
		if d.Clock.Now().Sub(quietSince) >= statusCheck {
			quietSince = d.Clock.Now()
			if st, err := d.describe(ctx, s.stack); err != nil {
				return last, err
			} else if st == nil {
				return types.StackStatusDeleteComplete, nil
			} else if last != "" && cfn.IsTerminal(st.StackStatus) {
				// This operation's start was seen, so a terminal status now is its end.
				d.report().Printf("stack %s is %s (read from the stack; its last event was not seen)", s.stack, st.StackStatus)
				return st.StackStatus, nil
			}
		}
		if !d.Clock.Now().Before(deadline) {
			return last, errDeadline
		}
		if err := d.Clock.Sleep(ctx, min(interval, max(deadline.Sub(d.Clock.Now()), time.Millisecond))); err != nil {
			return last, err
		}
	}
}

// stuck returns the resource that has been in progress longest according
// to the events seen: the one a timeout names. Its Time is when its current
// operation began.
func (s *streamer) stuck() (Event, bool) {
	latest := map[string]Event{}
	began := map[string]time.Time{}
	for _, e := range s.events {
		if e.LogicalID == s.stack {
			continue
		}
		prev, seen := latest[e.LogicalID]
		if strings.HasSuffix(e.Status, "_IN_PROGRESS") && (!seen || !strings.HasSuffix(prev.Status, "_IN_PROGRESS")) {
			began[e.LogicalID] = e.Time
		}
		latest[e.LogicalID] = e
	}
	var best Event
	found := false
	for id, e := range latest {
		if !strings.HasSuffix(e.Status, "_IN_PROGRESS") {
			continue
		}
		e.Time, e.Elapsed = began[id], began[id].Sub(s.since)
		if !found || e.Time.Before(best.Time) || (e.Time.Equal(best.Time) && e.LogicalID < best.LogicalID) {
			best, found = e, true
		}
	}
	return best, found
}
