package probe

import (
	"context"
	"net"
	"net/http"
	"time"
)

// LoadBalancerAddr is the address a request through a load balancer's DNS
// name dials: alb with the scheme's default port, unless alb names one.
func LoadBalancerAddr(alb, scheme string) string {
	if _, _, err := net.SplitHostPort(alb); err == nil {
		return alb
	}
	if scheme == "http" {
		return net.JoinHostPort(alb, "80")
	}
	return net.JoinHostPort(alb, "443")
}

// Via returns a copy of client whose connections all go to addr, whatever
// a request URL's host is. Requests keep their URL's host for the Host
// header and for TLS (server name and certificate verification), exactly
// as they will once DNS points that name at addr: a new environment is
// tested through its load balancer before its DNS record exists, without
// turning certificate verification off. The caller closes the copy's idle
// connections (CloseIdleConnections) when done.
func Via(client *http.Client, addr string) *http.Client {
	if client == nil {
		client = http.DefaultClient
	}
	tr, ok := client.Transport.(*http.Transport)
	if !ok || tr == nil {
		tr = http.DefaultTransport.(*http.Transport)
	}
	tr = tr.Clone()
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	c := *client
	c.Transport = tr
	return &c
}
