package awsauth

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Retry pacing for every AWS client the suite makes. A busy account during
// a mass deploy easily throttles ten times running, so one call survives
// MaxThrottles throttled answers, waiting up to MaxBackoff between them.
const (
	MaxThrottles = 15
	MaxBackoff   = 10 * time.Second
)

// RetryOptions tunes the retryer; the zero value is the production one.
type RetryOptions struct {
	// Backoff replaces the SDK's jittered exponential backoff; tests return
	// zero so retries take no time.
	Backoff retry.BackoffDelayer
	// Logf is told when AWS throttles a call (first time, then every fifth);
	// may be nil.
	Logf func(format string, args ...any)
}

// NewRetryer returns the SDK's standard retryer with the suite's pacing.
// Its client-side retry quota is off: the quota fails calls fast once a
// few dozen retries were spent, which a long deploy's polling reaches on
// any busy account, while AWS's own throttling already paces the client.
func NewRetryer(o RetryOptions) aws.Retryer {
	std := retry.NewStandard(func(s *retry.StandardOptions) {
		s.MaxAttempts = MaxThrottles + 1
		s.MaxBackoff = MaxBackoff
		s.RateLimiter = ratelimit.None
		if o.Backoff != nil {
			s.Backoff = o.Backoff
		}
	})
	return &loggingRetryer{RetryerV2: std, logf: o.Logf}
}

// loggingRetryer says in the log when a call is being throttled, so a slow
// deploy on a busy account explains itself.
type loggingRetryer struct {
	aws.RetryerV2
	logf func(format string, args ...any)
}

// RetryDelay reports throttling on the first and every fifth attempt.
func (r *loggingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	var ae smithy.APIError
	if derr == nil && r.logf != nil && errors.As(err, &ae) && IsThrottle(err) && (attempt == 1 || attempt%5 == 0) {
		r.logf("throttled by AWS (%s, %d in a row); retrying in %s", ae.ErrorCode(), attempt, d.Round(time.Millisecond))
	}
	return d, derr
}

// IsThrottle reports whether err is AWS throttling: the query protocol's
// "Throttling: Rate exceeded" and its relatives in other services, as the
// SDK's retryer classifies them.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
func IsThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	_, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]
	return ok
}
