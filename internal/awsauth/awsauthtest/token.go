// Package awsauthtest has HTTP fakes of GitHub's OIDC token endpoint and of
// AWS STS (query protocol), for tests that drive the real SDK clients
// through ACTIONS_ID_TOKEN_REQUEST_URL and AWS_ENDPOINT_URL.
package awsauthtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// RequestToken is the bearer token the fake endpoint expects, as the runner
// puts it in ACTIONS_ID_TOKEN_REQUEST_TOKEN.
const RequestToken = "runtime-request-token-0123456789"

// TokenServer is GitHub's OIDC token endpoint for a job: GET with the
// audience in the query and the request token as bearer → {"value": "<jwt>"}.
type TokenServer struct {
	*httptest.Server

	mu     sync.Mutex
	claims map[string]any
	fail   int // HTTP status to answer with instead of a token; 0 = succeed
	issued []string
	auds   []string
}

// NewTokenServer starts an endpoint minting tokens with claims (aud is set
// from the request's audience). It stops when the test ends.
func NewTokenServer(t testing.TB, claims map[string]any) *TokenServer {
	s := &TokenServer{claims: claims}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Env returns the variables a runner sets when the job has id-token: write.
func (s *TokenServer) Env() map[string]string {
	return map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   s.URL + "/_apis/distributedtask/hubs/build/plans/p/jobs/j/idtoken?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": RequestToken,
	}
}

// FailWith makes every later request answer status (0 restores success).
func (s *TokenServer) FailWith(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = status
}

// Issued returns every token minted so far.
func (s *TokenServer) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// Audiences returns the audience of every request so far.
func (s *TokenServer) Audiences() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auds...)
}

func (s *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	aud := r.URL.Query().Get("audience")
	s.auds = append(s.auds, aud)
	switch {
	case r.Header.Get("Authorization") != "Bearer "+RequestToken:
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
		return
	case s.fail != 0:
		http.Error(w, `{"message":"The service is unavailable."}`, s.fail)
		return
	}
	c := map[string]any{}
	for k, v := range s.claims {
		c[k] = v
	}
	c["aud"] = aud
	c["jti"] = fmt.Sprintf("token-%d", len(s.issued)+1)
	tok := JWT(c)
	s.issued = append(s.issued, tok)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"count": len(tok), "value": tok})
}

// JWT encodes claims as a token shaped like GitHub's (RS256 header, a
// signature that is not checked by the fakes).
func JWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]string{"typ": "JWT", "alg": "RS256", "x5t": "fake", "kid": "fake"})
	return head + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature-not-checked"))
}

// Claims returns the claims of a job on repo: sub for a push to branch
// (or an environment / pull request when sub is given explicitly).
func Claims(repo, sub string) map[string]any {
	owner, _, _ := strings.Cut(repo, "/")
	return map[string]any{
		"sub":              sub,
		"iss":              "https://token.actions.githubusercontent.com",
		"repository":       repo,
		"repository_owner": owner,
		"ref":              "refs/heads/main",
		"event_name":       "push",
		"run_id":           "4242",
		"run_attempt":      "1",
		"job_workflow_ref": repo + "/.github/workflows/deploy.yml@refs/heads/main",
	}
}
