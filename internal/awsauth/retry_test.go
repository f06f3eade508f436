package awsauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/google/go-cmp/cmp"
)

// throttlingCFN answers DescribeStacks with CloudFormation's query-protocol
// throttling error for the first n requests, then with one stack.
func throttlingCFN(t *testing.T, n int) (*httptest.Server, func() int) {
	t.Helper()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		c := calls
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		if c <= n {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprint(w, `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>ep-a</StackName><StackStatus>UPDATE_COMPLETE</StackStatus></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { mu.Lock(); defer mu.Unlock(); return calls }
}

// noWait is a backoff of zero, so the retries take no time.
type noWait struct{}

func (noWait) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// TestThrottledCallRetried: a real SDK client made with the suite's
// retryer survives MaxThrottles throttled answers and gives up after that,
// surfacing AWS's throttling error.
func TestThrottledCallRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		throttles, wantCalls int
		wantErr              bool
	}{
		{throttles: 0, wantCalls: 1},
		{throttles: 10, wantCalls: 11},
		{throttles: MaxThrottles, wantCalls: MaxThrottles + 1},
		{throttles: MaxThrottles + 1, wantCalls: MaxThrottles + 1, wantErr: true},
	} {
		t.Run(fmt.Sprint(tc.throttles), func(t *testing.T) {
			t.Parallel()
			srv, calls := throttlingCFN(t, tc.throttles)
			var log []string
			var mu sync.Mutex
			cfg := aws.Config{
				Region:       "eu-west-1",
				Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
				BaseEndpoint: aws.String(srv.URL),
				Retryer: func() aws.Retryer {
					return NewRetryer(RetryOptions{Backoff: noWait{}, Logf: func(f string, a ...any) {
						mu.Lock()
						defer mu.Unlock()
						log = append(log, fmt.Sprintf(f, a...))
					}})
				},
			}
			out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-a")})
			if got := calls(); got != tc.wantCalls {
				t.Errorf("%d requests, want %d", got, tc.wantCalls)
			}
			if tc.wantErr {
				if err == nil || !IsThrottle(err) || !strings.Contains(err.Error(), "Rate exceeded") {
					t.Fatalf("err = %v, want AWS's throttling error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DescribeStacks after %d throttles: %v", tc.throttles, err)
			}
			if got := aws.ToString(out.Stacks[0].StackName); got != "ep-a" {
				t.Errorf("stack %q", got)
			}
			if tc.throttles == 10 {
				want := []string{"throttled by AWS (Throttling, 1 in a row); retrying in 0s", "throttled by AWS (Throttling, 5 in a row); retrying in 0s", "throttled by AWS (Throttling, 10 in a row); retrying in 0s"}
				if diff := cmp.Diff(want, log); diff != "" {
					t.Errorf("log (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestBackoffCapped: the production backoff never waits longer than
// MaxBackoff, however many throttles ran.
func TestBackoffCapped(t *testing.T) {
	t.Parallel()
	r := NewRetryer(RetryOptions{})
	if got := r.MaxAttempts(); got != MaxThrottles+1 {
		t.Errorf("MaxAttempts = %d, want %d", got, MaxThrottles+1)
	}
	for attempt := 1; attempt <= MaxThrottles; attempt++ {
		d, err := r.RetryDelay(attempt, fmt.Errorf("x"))
		if err != nil || d > MaxBackoff {
			t.Errorf("attempt %d: delay %s, err %v", attempt, d, err)
		}
	}
}

// TestLoadSetsRetryer: every configuration Load returns retries throttling
// with the suite's pacing, not the SDK's default of three attempts.
func TestLoadSetsRetryer(t *testing.T) {
	t.Parallel()
	cfg, err := Load(context.Background(), Options{Getenv: func(string) string { return "" }, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Retryer().MaxAttempts(); got != MaxThrottles+1 {
		t.Errorf("MaxAttempts = %d, want %d", got, MaxThrottles+1)
	}
}
