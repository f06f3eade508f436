package stack

import (
	"time"
)

// Polling pacing (throttling is retried by the SDK clients themselves,
// see awsauth.NewRetryer). Polls start at pollMin and stretch by half each
// quiet round up to pollMax, and drop back to pollMin whenever something
// new happens, so a stack's last event is seen within about a second of a
// burst of activity while a long ECS wait costs about 12 calls a minute —
// never the fixed 30 s of the AWS CLI's waiters.
const (
	pollMin = 1 * time.Second
	pollMax = 5 * time.Second
	// A change set is polled at once, then from changeSetPollMin growing
	// by a fifth to changeSetPollMax: on change sets taking 1–10 s this
	// notices one about a second after it is ready with five or six calls,
	// and a minute-long one costs about 24 calls, not one a second.
	changeSetPollMin = 1 * time.Second
	changeSetPollMax = 3 * time.Second
)

// nextPoll stretches a polling interval by half, up to pollMax.
func nextPoll(cur time.Duration) time.Duration {
	if cur < pollMin {
		return pollMin
	}
	return min(cur+cur/2, pollMax)
}

// nextChangeSetPoll is the wait before the next DescribeChangeSet.
func nextChangeSetPoll(cur time.Duration) time.Duration {
	if cur < changeSetPollMin {
		return changeSetPollMin
	}
	return min(cur+cur/5, changeSetPollMax)
}
