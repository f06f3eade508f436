package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

const (
	benchConcurrency = 16
	benchOne         = `{"features":{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3}}`
)

// BenchmarkEndpointThroughput measures predict throughput over loopback
// HTTP at concurrency 16 against the example model, with GET /ping (the
// same server doing no model work) as the baseline in the same run,
// interleaved in rounds. Reported: ping-req/s, predict-req/s,
// predict/ping (the share of serving capacity predictions keep), and
// batch16-pred/s (predictions per second when clients send 16 instances
// per request).
//
// Run: go test -run '^$' -bench EndpointThroughput -benchtime 20000x ./endpoint/server
func BenchmarkEndpointThroughput(b *testing.B) {
	store := NewStore("../example-weights", clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := store.Check(); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(store, "bench", slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = benchConcurrency
	client := &http.Client{Transport: tr}
	batch := `{"instances":[` + strings.TrimSuffix(strings.Repeat(`{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3},`, 16), ",") + `]}`

	const round = 1000
	rounds := max(1, b.N/round)
	var ping, predict, batched time.Duration
	b.ResetTimer()
	for range rounds {
		ping += load(b, client, http.MethodGet, srv.URL+"/ping", "", round)
		predict += load(b, client, http.MethodPost, srv.URL+"/api/v1/predict/", benchOne, round)
		batched += load(b, client, http.MethodPost, srv.URL+"/api/v1/predict/", batch, round)
	}
	b.StopTimer()
	n := float64(rounds * round)
	b.ReportMetric(n/ping.Seconds(), "ping-req/s")
	b.ReportMetric(n/predict.Seconds(), "predict-req/s")
	b.ReportMetric(ping.Seconds()/predict.Seconds(), "predict/ping")
	b.ReportMetric(16*n/batched.Seconds(), "batch16-pred/s")
}

// load sends n requests from 16 goroutines and returns the wall time.
func load(b *testing.B, c *http.Client, method, url, body string, n int) time.Duration {
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s %s: status %d", method, url, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkPredictHandler is the model path without the network: decode,
// predict, encode, for one input.
func BenchmarkPredictHandler(b *testing.B) {
	store := NewStore("../example-weights", clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := store.Check(); err != nil {
		b.Fatal(err)
	}
	h := NewHandler(store, "bench", slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/predict/", strings.NewReader(benchOne)))
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
			}
		}
	})
}
