package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// maxBody bounds how much of a response is read for assertions.
const maxBody = 4 << 20

// Target is where cases are sent.
type Target struct {
	URL *url.URL // the endpoint's base URL
	// Host, when set, is sent as the Host header instead of the URL's host,
	// so a new environment can be tested through the ALB's DNS name before
	// its own DNS name exists.
	Host string
}

// ParseTarget checks a base URL and Host header given by the user.
func ParseTarget(rawURL, host string) (Target, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Target{}, fmt.Errorf("url %q is not an http(s) URL such as https://ep-a.example.com", rawURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Target{}, fmt.Errorf("url %q must be a base URL without query, fragment or credentials", rawURL)
	}
	if host != "" {
		if h, err := url.Parse("http://" + host); err != nil || h.Host != host {
			return Target{}, fmt.Errorf("host %q is not a host name (with an optional :port) such as pr-12.preview.example.com", host)
		}
	}
	return Target{URL: u, Host: host}, nil
}

func (t Target) resolve(ref *url.URL) string {
	u := *t.URL
	u.Path = strings.TrimSuffix(u.Path, "/") + ref.Path
	u.RawPath = ""
	u.RawQuery = ref.RawQuery
	return u.String()
}

// NewClient returns an HTTP client that keeps enough idle connections for
// the highest concurrency a case may ask for, so repeated requests measure
// the endpoint rather than connection set-up.
func NewClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxConcurrency
	tr.MaxIdleConnsPerHost = maxConcurrency
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer to assert on, not to follow
	}}
}

// Runner sends the cases. All waits go through Clock, and latencies are
// measured with it.
type Runner struct {
	Client *http.Client
	Clock  clock.Clock
	// Logf reports progress (readiness waits); nil discards.
	Logf func(format string, args ...any)
}

// Result is one run over all suites.
type Result struct {
	URL      string
	Host     string
	Started  time.Time
	Duration time.Duration
	Cases    []report.CaseResult
}

// Failed returns how many cases failed.
func (r *Result) Failed() int {
	n := 0
	for _, c := range r.Cases {
		if !c.Passed {
			n++
		}
	}
	return n
}

// Run waits for each suite's readiness path and runs its cases in order.
// A suite whose endpoint never gets ready yields one failed case for the
// wait, and its cases are not sent. A readiness check already decided in
// this run (same path and status) is not waited for again, so a dead
// endpoint costs one timeout, not one per file.
func (r *Runner) Run(ctx context.Context, t Target, suites []*Suite) *Result {
	res := &Result{URL: t.URL.String(), Host: t.Host, Started: r.Clock.Now()}
	waited := map[string]*report.CaseResult{}
	for _, s := range suites {
		if s.Ready != nil {
			key := fmt.Sprintf("%s %d", s.Ready.Path, s.Ready.Status)
			prev, seen := waited[key]
			if !seen {
				c, _ := r.waitReady(ctx, t, s)
				prev, waited[key] = &c, &c
			} else if !prev.Passed {
				c := *prev
				c.File, c.Requests, c.Failures, c.Duration = s.File, 0, 0, 0
				c.Reason = "not waited for again: " + prev.Reason
				res.Cases = append(res.Cases, c)
				continue
			}
			if !prev.Passed {
				res.Cases = append(res.Cases, *prev)
				continue
			}
		}
		for _, cs := range s.Cases {
			res.Cases = append(res.Cases, r.runCase(ctx, t, s, cs))
		}
	}
	res.Duration = r.Clock.Now().Sub(res.Started)
	return res
}

func (r *Runner) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// waitReady polls the suite's readiness path until it answers the expected
// status or the timeout passes.
func (r *Runner) waitReady(ctx context.Context, t Target, s *Suite) (report.CaseResult, bool) {
	rd := s.Ready
	c := report.CaseResult{Name: "ready: GET " + rd.Path, File: s.File, Method: http.MethodGet, Path: rd.Path}
	begin := r.Clock.Now()
	deadline := begin.Add(rd.Timeout.Value)
	target := t.resolve(mustRef(rd.Path))
	r.logf("waiting up to %s for GET %s to answer %d", rd.Timeout.Value, target, rd.Status)
	last := ""
	for {
		c.Requests++
		code, body, err := r.send(ctx, t, http.MethodGet, target, nil, s.Headers, nil, s.RequestTimeout.Value)
		switch {
		case err != nil:
			last = err.Error()
		case code == rd.Status:
			c.Passed, c.Duration = true, r.Clock.Now().Sub(begin)
			r.logf("ready after %s (%d attempts)", FormatDuration(c.Duration), c.Requests)
			return c, true
		default:
			last = fmt.Sprintf("status %d; body: %s", code, excerpt(body, 200))
		}
		c.Failures++
		if !r.Clock.Now().Before(deadline) || ctx.Err() != nil {
			break
		}
		if err := r.Clock.Sleep(ctx, rd.Interval.Value); err != nil {
			last = err.Error()
			break
		}
	}
	c.Duration = r.Clock.Now().Sub(begin)
	c.Reason = fmt.Sprintf("endpoint not ready after %s (%d attempts): expected status %d, last answer: %s; the file's cases were not run", rd.Timeout.Value, c.Requests, rd.Status, last)
	return c, false
}

func mustRef(p string) *url.URL {
	u, _ := url.Parse(p) // checked when the file was loaded
	return u
}

// outcome is one request of a case.
type outcome struct {
	latency   time.Duration
	responded bool
	fail      string
}

func (r *Runner) runCase(ctx context.Context, t Target, s *Suite, cs *Case) report.CaseResult {
	begin := r.Clock.Now()
	target := t.resolve(cs.ref)
	outs := make([]outcome, cs.Repeat)
	var g errgroup.Group
	g.SetLimit(cs.Concurrency)
	for i := range outs {
		g.Go(func() error {
			outs[i] = r.request(ctx, t, s, cs, target)
			return nil
		})
	}
	_ = g.Wait() // request never returns an error; failures are in outs
	return summarise(s, cs, outs, r.Clock.Now().Sub(begin))
}

func summarise(s *Suite, cs *Case, outs []outcome, took time.Duration) report.CaseResult {
	c := report.CaseResult{Name: cs.Name, File: s.File, Line: cs.Line, Method: cs.Method, Path: cs.Path, Requests: len(outs), Duration: took}
	var samples []time.Duration
	first := -1
	for i, o := range outs {
		if o.responded {
			samples = append(samples, o.latency)
		}
		if o.fail != "" {
			c.Failures++
			if first < 0 {
				first = i
			}
		}
	}
	st := Percentiles(samples)
	c.P50, c.P95, c.P99 = st.P50, st.P95, st.P99
	var reasons []string
	if first >= 0 {
		reason := outs[first].fail
		if len(outs) > 1 {
			reason = fmt.Sprintf("request %d of %d: %s (%d of %d requests failed)", first+1, len(outs), reason, c.Failures, len(outs))
		}
		reasons = append(reasons, reason)
	}
	reasons = append(reasons, latencyProblems(cs.Latency, st)...)
	c.Passed = len(reasons) == 0
	c.Reason = strings.Join(reasons, "; ")
	return c
}

func latencyProblems(l *Latency, st Stats) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, b := range []struct {
		name       string
		bound, got time.Duration
	}{{"p50", l.P50.Value, st.P50}, {"p95", l.P95.Value, st.P95}, {"p99", l.P99.Value, st.P99}} {
		if b.bound > 0 && b.got > b.bound {
			out = append(out, fmt.Sprintf("latency %s %s exceeds the bound %s", b.name, FormatDuration(b.got), FormatDuration(b.bound)))
		}
	}
	return out
}

// request sends one request of a case and checks its answer.
func (r *Runner) request(ctx context.Context, t Target, s *Suite, cs *Case, target string) outcome {
	begin := r.Clock.Now()
	code, body, err := r.send(ctx, t, cs.Method, target, cs.body, s.Headers, cs.Headers, s.RequestTimeout.Value)
	o := outcome{latency: r.Clock.Now().Sub(begin), responded: err == nil}
	switch {
	case err != nil:
		o.fail = err.Error()
	case code != cs.Expect.Status:
		o.fail = fmt.Sprintf("expected status %d, got %d; body: %s", cs.Expect.Status, code, excerpt(body, 200))
	default:
		o.fail = checkJSON(cs.Expect.JSON, body)
	}
	return o
}

func checkJSON(asserts []*Assertion, body []byte) string {
	if len(asserts) == 0 {
		return ""
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Sprintf("response is not JSON (%v); body: %s", err, excerpt(body, 200))
	}
	for _, a := range asserts {
		if msg := a.eval(doc); msg != "" {
			return msg + "; body: " + excerpt(body, 200)
		}
	}
	return ""
}

// send makes one HTTP request and reads the whole answer (latency includes
// the body, as a client sees it).
func (r *Runner) send(ctx context.Context, t Target, method, target string, body []byte, suiteHeaders, caseHeaders map[string]string, timeout time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build request %s %s: %w", method, target, err)
	}
	req.Header.Set("User-Agent", "mlops-test")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range []map[string]string{suiteHeaders, caseHeaders} {
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	if t.Host != "" {
		req.Host = t.Host
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, b, fmt.Errorf("read response of %s %s: %w", method, target, err)
	}
	return resp.StatusCode, b, nil
}

// excerpt returns up to n bytes of b on one line, marking a cut.
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty)"
	}
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
