package awsauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecs-mlops/ecs-mlops/internal/ghcontext"
)

// TokenError is a failure to get the job's OIDC token from GitHub.
type TokenError struct {
	Err error
}

func (e *TokenError) Error() string {
	return "request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL): " + e.Err.Error()
}

func (e *TokenError) Unwrap() error { return e.Err }

// tokenSource fetches a new OIDC token for every role assumption, as the
// SDK's web identity provider asks: a GitHub token lives only minutes, so a
// refresh an hour later needs a fresh one.
type tokenSource struct {
	ctx    context.Context     // the command's context: refreshes happen during it
	getenv func(string) string // serves the ACTIONS_ID_TOKEN_* variables
	mask   func(string)

	mu   sync.Mutex
	last string
}

// GetIdentityToken implements stscreds.IdentityTokenRetriever.
func (t *tokenSource) GetIdentityToken() ([]byte, error) {
	gha := githubactions.New(githubactions.WithGetenv(t.getenv), githubactions.WithWriter(io.Discard))
	tok, err := gha.GetIDToken(t.ctx, Audience)
	if err != nil {
		return nil, &TokenError{Err: err}
	}
	if tok == "" {
		return nil, &TokenError{Err: errEmptyToken}
	}
	if t.mask != nil {
		t.mask(tok)
	}
	t.mu.Lock()
	t.last = tok
	t.mu.Unlock()
	return []byte(tok), nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errEmptyToken = constError("the token endpoint answered without a token value")

// claims returns the claims of the last token fetched (zero when none).
func (t *tokenSource) claims() Claims {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, _ := ParseClaims(t.last)
	return c
}

// Claims are the GitHub OIDC token claims a trust policy is written against.
// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#understanding-the-oidc-token
type Claims struct {
	Sub         string `json:"sub"`
	Aud         string `json:"-"`
	Repository  string `json:"repository"`
	Ref         string `json:"ref"`
	EventName   string `json:"event_name"`
	Environment string `json:"environment"`
	WorkflowRef string `json:"job_workflow_ref"`
}

// ParseClaims reads the payload of a JWT without verifying it: the claims
// are shown to a user to explain a denial, never trusted for a decision.
func ParseClaims(jwt string) (Claims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return Claims{}, constError("not a JWT (want header.payload.signature)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, err
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return Claims{}, err
	}
	// aud is a string or an array of strings (RFC 7519 section 4.1.3).
	var aud struct {
		Aud json.RawMessage `json:"aud"`
	}
	_ = json.Unmarshal(raw, &aud)
	var one string
	var many []string
	switch {
	case json.Unmarshal(aud.Aud, &one) == nil:
		c.Aud = one
	case json.Unmarshal(aud.Aud, &many) == nil:
		c.Aud = strings.Join(many, ",")
	}
	return c, nil
}

var sessionUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName names the role session after the repository, run and attempt,
// so CloudTrail shows which workflow run acted. STS allows 2-64 characters
// from [\w+=,.@-]; the repository part is shortened first.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
func SessionName(gh ghcontext.Context) string {
	suffix := ""
	if gh.RunID != 0 {
		suffix = "-" + strconv.FormatInt(gh.RunID, 10)
		if gh.RunAttempt != 0 {
			suffix += "-" + strconv.Itoa(gh.RunAttempt)
		}
	}
	suffix = sessionUnsafe.ReplaceAllString(suffix, "_")
	if len(suffix) > 40 {
		suffix = suffix[:40]
	}
	name := "mlops"
	if repo := gh.Repository; repo != "" {
		name = strings.ReplaceAll(repo, "/", "@")
	}
	name = sessionUnsafe.ReplaceAllString(name, "_")
	if max := 64 - len(suffix); len(name) > max {
		name = name[:max]
	}
	return name + suffix
}
