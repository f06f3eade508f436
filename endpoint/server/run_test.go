package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// signalListener reports when the handler of the first request is running
// (read) and when the listener is closed (shutdown has begun).
type signalListener struct {
	net.Listener
	read   chan struct{}
	closed chan struct{}
	once   sync.Once
}

func (l *signalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &signalConn{Conn: c, l: l}, nil
}

// Close closes the real listener first and only then signals, so a test
// that dials after the signal never races the close itself.
func (l *signalListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// signalConn signals when the server reads again after it has received the
// request's headers: only the handler does that, to wait for more body.
// Signalling on an earlier read would race net/http, which drops a request
// whose headers were read just as shutdown began, before its handler ran.
type signalConn struct {
	net.Conn
	l       *signalListener
	seen    []byte
	headers bool
	once    sync.Once
}

func (c *signalConn) Read(p []byte) (int, error) {
	if c.headers {
		c.once.Do(func() { c.l.read <- struct{}{} })
	}
	n, err := c.Conn.Read(p)
	if !c.headers {
		c.seen = append(c.seen, p[:n]...)
		c.headers = bytes.Contains(c.seen, []byte("\r\n\r\n"))
	}
	return n, err
}

func TestRunDrainsInFlightRequestsOnStop(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeVersion(t, root, "v1", scale(4))
	switchTo(t, root, "v1")
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &signalListener{Listener: inner, read: make(chan struct{}, 1), closed: make(chan struct{})}
	logs := &syncBuffer{}
	cfg := Config{WeightsDir: root, Poll: time.Hour, Drain: 10 * time.Second, CodeVersion: "t", Clock: clock.Real{}, Log: newLogger(logs)}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, ln) }()

	// The in-flight request: headers and half the body now, the rest after
	// shutdown has begun. Run loads the weights before it serves, so the
	// request needs no readiness wait.
	pr, pw := io.Pipe()
	type result struct {
		code int
		body PredictResponse
		err  error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+inner.Addr().String()+"/api/v1/predict/", pr)
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var r result
		r.code = resp.StatusCode
		r.err = json.NewDecoder(resp.Body).Decode(&r.body)
		res <- r
	}()
	if _, err := pw.Write([]byte(`{"features":`)); err != nil {
		t.Fatal(err)
	}
	<-ln.read
	stop() // what SIGTERM does in main
	<-ln.closed
	if c, err := net.DialTimeout("tcp", inner.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted after shutdown began")
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v before the in-flight request finished", err)
	default:
	}
	if _, err := pw.Write([]byte(`{"x":2.5}}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-res
	if r.err != nil || r.code != http.StatusOK || *r.body.Prediction != 10 {
		t.Errorf("in-flight request during drain = %d %+v, %v; want 200 with prediction 10", r.code, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run() = %v after a clean drain, want nil", err)
	}
}
