package ghclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// start is the fake clock's epoch in every test: x-ratelimit-reset values are
// computed from it.
var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// answer is one scripted HTTP response.
type answer struct {
	status  int
	headers map[string]string
	body    string
}

func (a answer) write(w http.ResponseWriter) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// sent is one request the server received.
type sent struct {
	Method, Path, Body string
}

// script serves the answers in order (the last one repeats) and records
// every request.
type script struct {
	mu      sync.Mutex
	answers []answer
	got     []sent
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, sent{r.Method, r.URL.Path, string(b)})
	a := s.answers[min(len(s.got), len(s.answers))-1]
	s.mu.Unlock()
	a.write(w)
}

func (s *script) requests() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.got...)
}

const (
	secondaryBody  = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	primaryBody    = `{"message":"API rate limit exceeded for installation ID 4242.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`
	forbiddenBody  = `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment"}`
	serverBody     = `{"message":"Server Error"}`
	okBody         = `{"id":1}`
	notFoundBody   = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`
	resetInSeconds = 45
)

func TestTransportRetries(t *testing.T) {
	t.Parallel()
	ok := answer{status: 200, body: okBody}
	secondary := answer{status: 403, body: secondaryBody}
	reset := fmt.Sprint(start.Add(resetInSeconds * time.Second).Unix())
	tests := []struct {
		name       string
		method     string
		repeatable bool
		answers    []answer
		wantStatus int
		wantSlept  []time.Duration
		wantSent   int
		giveUpLogs int // lines saying why a wait was refused
	}{
		{
			name:       "403 with Retry-After waits that many seconds",
			method:     "PATCH",
			answers:    []answer{{status: 403, headers: map[string]string{"Retry-After": "30"}, body: secondaryBody}, ok},
			wantStatus: 200, wantSlept: []time.Duration{30 * time.Second}, wantSent: 2,
		},
		{
			name:       "429 with Retry-After on a POST is retried: the request was not processed",
			method:     "POST",
			answers:    []answer{{status: 429, headers: map[string]string{"Retry-After": "7"}, body: secondaryBody}, ok},
			wantStatus: 200, wantSlept: []time.Duration{7 * time.Second}, wantSent: 2,
		},
		{
			name:   "exhausted primary limit waits until x-ratelimit-reset",
			method: "GET",
			answers: []answer{{status: 403, headers: map[string]string{
				"X-Ratelimit-Limit": "1000", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset,
			}, body: primaryBody}, ok},
			wantStatus: 200, wantSlept: []time.Duration{resetInSeconds * time.Second}, wantSent: 2,
		},
		{
			name:       "secondary limit without headers backs off from 60 s, doubling",
			method:     "POST",
			answers:    []answer{secondary, secondary, secondary, ok},
			wantStatus: 200, wantSlept: []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}, wantSent: 4,
		},
		{
			name:       "backoff is capped and retries end after MaxRetries",
			method:     "GET",
			answers:    []answer{secondary},
			wantStatus: 403,
			wantSlept:  []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute},
			wantSent:   6,
		},
		{
			name:       "Retry-After beyond MaxWait fails at once",
			method:     "GET",
			answers:    []answer{{status: 429, headers: map[string]string{"Retry-After": "3600"}, body: secondaryBody}, ok},
			wantStatus: 429, wantSent: 1, giveUpLogs: 1,
		},
		{
			name:       "5xx on GET is retried with a backoff from 1 s",
			method:     "GET",
			answers:    []answer{{status: 502, body: serverBody}, {status: 503, body: serverBody}, {status: 500, body: serverBody}, ok},
			wantStatus: 200, wantSlept: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantSent: 4,
		},
		{
			name:       "5xx on POST is not repeated: it may have been applied",
			method:     "POST",
			answers:    []answer{{status: 502, body: serverBody}, ok},
			wantStatus: 502, wantSent: 1,
		},
		{
			name:       "5xx on a POST marked Repeatable is retried",
			method:     "POST",
			repeatable: true,
			answers:    []answer{{status: 504, body: serverBody}, ok},
			wantStatus: 200, wantSlept: []time.Duration{time.Second}, wantSent: 2,
		},
		{
			name:       "403 permission error is returned at once",
			method:     "POST",
			answers:    []answer{{status: 403, body: forbiddenBody}, ok},
			wantStatus: 403, wantSent: 1,
		},
		{
			name:       "404 is returned at once",
			method:     "GET",
			answers:    []answer{{status: 404, body: notFoundBody}, ok},
			wantStatus: 404, wantSent: 1,
		},
		{
			name:       "success needs no retry",
			method:     "DELETE",
			answers:    []answer{{status: 204}},
			wantStatus: 204, wantSent: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{answers: tt.answers}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			clk := clock.NewFake(start)
			var logged []string
			tr := &Transport{Clock: clk, Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }}
			ctx := context.Background()
			if tt.repeatable {
				ctx = Repeatable(ctx)
			}
			body := `{"body":"hello"}`
			req, err := http.NewRequestWithContext(ctx, tt.method, srv.URL+"/repos/o/r/issues/7/comments", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, got)
			}
			if want := tt.answers[min(tt.wantSent, len(tt.answers))-1].body; string(got) != want {
				t.Errorf("body = %q, want %q: the caller must see the last answer intact", got, want)
			}
			if diff := cmp.Diff(tt.wantSlept, clk.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			reqs := s.requests()
			if len(reqs) != tt.wantSent {
				t.Fatalf("sent %d requests, want %d", len(reqs), tt.wantSent)
			}
			for i, r := range reqs {
				if want := (sent{tt.method, "/repos/o/r/issues/7/comments", body}); r != want {
					t.Errorf("request %d (-want +got):\n%s", i, cmp.Diff(want, r))
				}
			}
			if want := len(tt.wantSlept) + tt.giveUpLogs; len(logged) != want {
				t.Errorf("logged %d lines, want %d: %q", len(logged), want, logged)
			}
		})
	}
}

func TestTransportLogsEveryWait(t *testing.T) {
	t.Parallel()
	s := &script{answers: []answer{{status: 403, headers: map[string]string{"Retry-After": "30"}, body: secondaryBody}, {status: 200, body: okBody}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var logged []string
	tr := &Transport{Clock: clock.NewFake(start), Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }}
	req, _ := http.NewRequest("GET", srv.URL+"/repos/o/r/issues/7/comments", nil)
	req.Header.Set("Authorization", "Bearer ghs_secret")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := []string{"github: GET /repos/o/r/issues/7/comments: rate limited (HTTP 403, retry-after); retrying in 30s (retry 1 of 5)"}
	if diff := cmp.Diff(want, logged); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestTransportStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	s := &script{answers: []answer{{status: 502, body: serverBody}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	clk := clock.NewFake(start)
	ctx, cancel := context.WithCancel(context.Background())
	clk.OnSleep(func(time.Time) { cancel() })
	tr := &Transport{Clock: clk}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/x", nil)
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("sent %d requests after cancel, want 1", n)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{start.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, start)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
