package awsauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsauth"
	"github.com/ecs-mlops/ecs-mlops/internal/awsauth/awsauthtest"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/ghcontext"
)

const (
	repo    = "acme/models"
	mainSub = "repo:acme/models:ref:refs/heads/main"
	role    = "arn:aws:iam::123456789012:role/ecs-mlops-deploy"
)

// world is a job with an OIDC token endpoint and an STS endpoint.
type world struct {
	tokens *awsauthtest.TokenServer
	sts    *awsauthtest.STS
	env    map[string]string
	masked *masks
}

type masks struct {
	mu sync.Mutex
	v  []string
}

func (m *masks) add(s string) { m.mu.Lock(); m.v = append(m.v, s); m.mu.Unlock() }
func (m *masks) has(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.v {
		if x == s {
			return true
		}
	}
	return false
}

func newWorld(t *testing.T, sub string) *world {
	w := &world{
		tokens: awsauthtest.NewTokenServer(t, awsauthtest.Claims(repo, sub)),
		sts:    awsauthtest.NewSTS(t, clock.NewFake(time.Now())),
		masked: &masks{},
	}
	w.sts.Trust(role, mainSub)
	w.env = map[string]string{
		"GITHUB_ACTIONS":     "true",
		"GITHUB_REPOSITORY":  repo,
		"GITHUB_RUN_ID":      "4242",
		"GITHUB_RUN_ATTEMPT": "2",
		"AWS_ENDPOINT_URL":   w.sts.URL,
	}
	for k, v := range w.tokens.Env() {
		w.env[k] = v
	}
	return w
}

func (w *world) options() awsauth.Options {
	return awsauth.Options{
		Getenv:   func(k string) string { return w.env[k] },
		GitHub:   ghcontext.FromEnv(func(k string) string { return w.env[k] }),
		Region:   "eu-west-1",
		RoleARN:  role,
		RoleFrom: "roles.deploy",
		Purpose:  "deploy",
		Mask:     w.masked.add,
	}
}

func TestLoadAssumesRoleForClients(t *testing.T) {
	t.Parallel()
	w := newWorld(t, mainSub)
	ctx := context.Background()
	cfg, err := awsauth.Load(ctx, w.options())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the assumed credentials: %v", err)
	}
	if diff := cmp.Diff("arn:aws:sts::123456789012:assumed-role/ecs-mlops-deploy/acme@models-4242-2", aws.ToString(id.Arn)); diff != "" {
		t.Errorf("caller (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{awsauth.Audience}, w.tokens.Audiences()); diff != "" {
		t.Errorf("token audiences (-want +got):\n%s", diff)
	}
	issued := w.sts.Issued()
	if len(issued) != 1 {
		t.Fatalf("STS issued %d credential sets, want 1", len(issued))
	}
	for name, v := range map[string]string{"token": w.tokens.Issued()[0], "secret": issued[0].Secret, "session token": issued[0].SessionT} {
		if !w.masked.has(v) {
			t.Errorf("%s was not masked", name)
		}
	}
}

func TestCredentialsRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		want     int // role assumptions after two uses
	}{
		{"an hour left: cached", time.Hour, 1},
		{"four minutes left: refreshed with a new token", 4 * time.Minute, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, mainSub)
			w.sts.SetLifetime(tc.lifetime)
			ctx := context.Background()
			cfg, err := awsauth.Load(ctx, w.options())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			c, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatalf("Retrieve: %v", err)
			}
			issued := w.sts.Issued()
			if len(issued) != tc.want || len(w.tokens.Issued()) != tc.want {
				t.Fatalf("after two uses: %d assumptions with %d tokens, want %d of each", len(issued), len(w.tokens.Issued()), tc.want)
			}
			if diff := cmp.Diff(issued[len(issued)-1].AccessKeyID, c.AccessKeyID); diff != "" {
				t.Errorf("credentials in use (-want +got):\n%s", diff)
			}
			if tc.want > 1 && issued[0].Token == issued[1].Token {
				t.Errorf("refresh reused the first OIDC token; GitHub tokens live minutes, a refresh needs a new one")
			}
		})
	}
}

func TestDeniedExplainsClaims(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "repo:acme/models:pull_request")
	_, err := awsauth.Load(context.Background(), w.options())
	if err == nil {
		t.Fatal("Load succeeded for a token the trust policy does not admit")
	}
	want := `assume role arn:aws:iam::123456789012:role/ecs-mlops-deploy (roles.deploy) with the GitHub OIDC token: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity
the token's claims: sub="repo:acme/models:pull_request" aud="sts.amazonaws.com" (repository="acme/models" ref="refs/heads/main" event_name="push")`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	hint := fault.Hint(err)
	for _, s := range []string{`"token.actions.githubusercontent.com:sub" must equal "repo:acme/models:pull_request"`, `"token.actions.githubusercontent.com:aud" must equal "sts.amazonaws.com"`, role,
		"trust only GitHub environments", "must name its role's environment"} {
		if !strings.Contains(hint, s) {
			t.Errorf("hint %q does not say %q", hint, s)
		}
	}
	if !fault.IsUsage(err) {
		t.Errorf("a denied trust policy is a setup problem (exit 2); got a plain failure")
	}
	var d *awsauth.DeniedError
	if !errors.As(err, &d) || d.Code != "AccessDenied" {
		t.Errorf("error is not a DeniedError with code AccessDenied: %#v", err)
	}
}

// A token of an environment the role does not trust gets the plain trust
// hint, without the advice to name an environment it already names.
func TestDeniedEnvironmentTokenHint(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "repo:acme/models:environment:staging")
	_, err := awsauth.Load(context.Background(), w.options())
	hint := fault.Hint(err)
	if !strings.Contains(hint, `must equal "repo:acme/models:environment:staging"`) || strings.Contains(hint, "must name its role's environment") {
		t.Errorf("hint for an environment token: %q", hint)
	}
}

func TestBadInputMakesNoCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*awsauth.Options, *world)
		want   string
	}{
		{"malformed role ARN", func(o *awsauth.Options, _ *world) { o.RoleARN = "ecs-mlops-deploy" }, `roles.deploy: "ecs-mlops-deploy" is not an IAM role ARN`},
		{"role ARN of a user", func(o *awsauth.Options, _ *world) { o.RoleARN = "arn:aws:iam::123456789012:user/ci" }, `is not an IAM role ARN`},
		{"missing region", func(o *awsauth.Options, _ *world) { o.Region = "" }, "no AWS region: set region in .github/mlops.yml or the AWS_REGION environment variable"},
		{"token endpoint down", func(_ *awsauth.Options, w *world) { w.tokens.FailWith(http.StatusServiceUnavailable) }, "request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL): non-successful response from minting OIDC token"},
		{"token endpoint refuses the request token", func(o *awsauth.Options, _ *world) { o.GitHub.IDTokenRequest = "stale" }, "Unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, mainSub)
			o := w.options()
			tc.change(&o, w)
			_, err := awsauth.Load(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if !fault.IsUsage(err) {
				t.Errorf("error is not a usage error (exit 2): %v", err)
			}
			if calls := w.sts.Calls(); len(calls) != 0 {
				t.Errorf("STS was called: %v", calls)
			}
		})
	}
}

func TestWithoutTokenUsesDefaultChain(t *testing.T) {
	t.Parallel()
	w := newWorld(t, mainSub)
	delete(w.env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	var warned []string
	o := w.options()
	o.Warnf = func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }
	cfg, err := awsauth.Load(context.Background(), o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := aws.ToString(cfg.BaseEndpoint); got != w.sts.URL {
		t.Errorf("BaseEndpoint = %q, want AWS_ENDPOINT_URL %q", got, w.sts.URL)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("Region = %q, want eu-west-1", cfg.Region)
	}
	if len(w.tokens.Issued()) != 0 || len(w.sts.Calls()) != 0 {
		t.Errorf("token or STS used without a token endpoint: tokens %d, STS %v", len(w.tokens.Issued()), w.sts.Calls())
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "permissions: id-token: write") {
		t.Errorf("warnings = %q, want one naming the missing id-token permission", warned)
	}
}

func TestSessionName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 39) + "/" + strings.Repeat("b", 60)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"repo run attempt", map[string]string{"GITHUB_REPOSITORY": "acme/models", "GITHUB_RUN_ID": "9876543210", "GITHUB_RUN_ATTEMPT": "3"}, "acme@models-9876543210-3"},
		{"laptop", map[string]string{}, "mlops"},
		{"long repository keeps run and attempt", map[string]string{"GITHUB_REPOSITORY": long, "GITHUB_RUN_ID": "9876543210", "GITHUB_RUN_ATTEMPT": "1"}, (strings.Repeat("a", 39) + "@" + strings.Repeat("b", 60))[:51] + "-9876543210-1"},
		{"characters STS refuses", map[string]string{"GITHUB_REPOSITORY": "acme/my repo!", "GITHUB_RUN_ID": "1"}, "acme@my_repo_-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := awsauth.SessionName(ghcontext.FromEnv(func(k string) string { return tc.env[k] }))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("session name (-want +got):\n%s", diff)
			}
			if len(got) < 2 || len(got) > 64 {
				t.Errorf("session name %q has %d characters; STS allows 2-64", got, len(got))
			}
		})
	}
}

func TestParseClaims(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   awsauth.Claims
	}{
		{"aud string", map[string]any{"sub": "repo:a/b:environment:prod", "aud": "sts.amazonaws.com", "environment": "prod"}, awsauth.Claims{Sub: "repo:a/b:environment:prod", Aud: "sts.amazonaws.com", Environment: "prod"}},
		{"aud array", map[string]any{"sub": "repo:a/b:pull_request", "aud": []string{"sts.amazonaws.com", "other"}}, awsauth.Claims{Sub: "repo:a/b:pull_request", Aud: "sts.amazonaws.com,other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := awsauth.ParseClaims(awsauthtest.JWT(tc.claims))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := awsauth.ParseClaims("not-a-jwt"); err == nil {
		t.Error("ParseClaims accepted a string without three parts")
	}
}

func TestRefreshFailureIsNotBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, mainSub)
	w.sts.SetLifetime(40 * time.Second) // too short to be used again when the refresh fails
	ctx := context.Background()
	cfg, err := awsauth.Load(ctx, w.options())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	w.tokens.FailWith(http.StatusServiceUnavailable)
	_, err = cfg.Credentials.Retrieve(ctx)
	if err == nil {
		t.Fatal("refresh succeeded without a token")
	}
	if !strings.Contains(err.Error(), "request a GitHub OIDC token") {
		t.Errorf("error %q does not name the token request", err)
	}
	if fault.IsUsage(err) {
		t.Errorf("a refresh failing mid-command is reported as bad input (exit 2), but the command may already have written: %v", err)
	}
}

func TestRefreshFailureKeepsValidCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t, mainSub)
	w.sts.SetLifetime(4 * time.Minute) // inside the refresh window, but still valid for minutes
	var warned []string
	o := w.options()
	o.Warnf = func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }
	ctx := context.Background()
	cfg, err := awsauth.Load(ctx, o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	w.tokens.FailWith(http.StatusServiceUnavailable)
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("a failed refresh with credentials valid for minutes: %v", err)
	}
	if c.AccessKeyID != w.sts.Issued()[0].AccessKeyID {
		t.Errorf("credentials in use = %s, want the first ones", c.AccessKeyID)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "refreshing the credentials of "+role+" failed") {
		t.Errorf("warnings = %q", warned)
	}
	w.tokens.FailWith(0)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		t.Fatalf("refresh after the endpoint recovered: %v", err)
	}
	if n := len(w.sts.Issued()); n != 2 {
		t.Errorf("STS issued %d credential sets, want a refresh once the endpoint answers again", n)
	}
}
