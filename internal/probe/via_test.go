package probe_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/probe"
)

func TestLoadBalancerAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ alb, scheme, want string }{
		{"ep-a-123.eu-west-1.elb.amazonaws.com", "https", "ep-a-123.eu-west-1.elb.amazonaws.com:443"},
		{"ep-a-123.eu-west-1.elb.amazonaws.com", "http", "ep-a-123.eu-west-1.elb.amazonaws.com:80"},
		{"127.0.0.1:8443", "https", "127.0.0.1:8443"},
	} {
		if got := probe.LoadBalancerAddr(tc.alb, tc.scheme); got != tc.want {
			t.Errorf("LoadBalancerAddr(%q, %q) = %q, want %q", tc.alb, tc.scheme, got, tc.want)
		}
	}
}

// Via sends a request for a name without DNS to the load balancer's
// address, with that name as Host and TLS server name, and still verifies
// the certificate against it.
func TestVia(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "api.example.com" || r.TLS.ServerName != "api.example.com" {
			http.Error(w, "wrong host", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	c := probe.Via(srv.Client(), srv.Listener.Addr().String())
	defer c.CloseIdleConnections()
	resp, err := c.Get("https://api.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200 (Host and server name api.example.com)", resp.StatusCode)
	}
	// The test certificate covers *.example.com, one label deep only.
	if _, err := c.Get("https://pr-2.preview.example.com/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("request to a name the certificate does not cover: err = %v, want a certificate error", err)
	}
	if c == srv.Client() || c.Transport == srv.Client().Transport {
		t.Error("Via changed the client it was given instead of a copy")
	}
}
