package ghclient

import (
	"testing"
)

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		apiURL, want string
	}{
		{"", "https://api.github.com/"},
		{"https://api.github.com", "https://api.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/"},
		{"https://api.acme.ghe.com", "https://api.acme.ghe.com/"},
	}
	for _, tt := range tests {
		c, err := NewClient(Options{Token: "t", APIURL: tt.apiURL})
		if err != nil {
			t.Fatalf("NewClient(%q): %v", tt.apiURL, err)
		}
		if got := c.BaseURL.String(); got != tt.want {
			t.Errorf("NewClient(%q).BaseURL = %q, want %q", tt.apiURL, got, tt.want)
		}
	}
	if _, err := NewClient(Options{APIURL: "://bad"}); err == nil {
		t.Error("NewClient accepted a malformed GITHUB_API_URL")
	}
}
