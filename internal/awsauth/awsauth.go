// Package awsauth gives every AWS client of the suite its configuration:
// in GitHub Actions, credentials of a role assumed in-process with the job's
// OIDC token; elsewhere, the SDK's default chain (profiles, environment).
// Assumed credentials stay in memory: they are never exported to the job's
// environment, outputs or logs, so later steps cannot read them.
package awsauth

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecs-mlops/ecs-mlops/internal/awsarn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/ghcontext"
)

// Audience is the OIDC audience AWS STS accepts for GitHub's tokens; the
// role's trust policy checks it as token.actions.githubusercontent.com:aud.
// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
const Audience = "sts.amazonaws.com"

// refreshWindow is how long before expiry assumed credentials are replaced,
// so a request never leaves with credentials that expire in flight.
const refreshWindow = 5 * time.Minute

// Options says where credentials come from for one purpose.
type Options struct {
	// Getenv reads the job's environment (injected so tests never touch the
	// process); only AWS_ENDPOINT_URL is read from it.
	Getenv func(string) string
	// GitHub is the run's context: whether an OIDC token can be requested,
	// and the repository and run the role session is named after.
	GitHub ghcontext.Context
	// Region is the AWS region; required.
	Region string
	// RoleARN is the role to assume; empty means the default credential chain.
	RoleARN string
	// RoleFrom names where RoleARN came from, e.g. "roles.deploy in .github/mlops.yml".
	RoleFrom string
	// Purpose is what the role is for (deploy, preview, weights); shown in messages.
	Purpose string
	// Mask hides a secret value in the job log (action.Action.Mask); may be nil.
	Mask func(string)
	// Warnf reports a degraded setup, such as a role without an OIDC token; may be nil.
	Warnf func(format string, args ...any)
	// Logf is told when AWS throttles a call and it is retried; may be nil.
	Logf func(format string, args ...any)
	// Retry replaces the retryer's backoff (tests); Logf above is its log.
	Retry RetryOptions
	// Duration asks STS for a session of this length; 0 is the role's default (1 hour).
	Duration time.Duration
}

// CheckRoleARN validates a role ARN; from names its source for the message.
func CheckRoleARN(arn, from string) error {
	if arn != "" && !awsarn.IsRoleARN(arn) {
		return fault.Usagef("%s: %q is not an IAM role ARN; write arn:aws:iam::<12-digit account>:role/<name>, as mlops bootstrap prints it", from, arn)
	}
	return nil
}

// Load returns SDK configuration for o. With a role and an OIDC token the
// role is assumed at once, so a denied trust policy fails before any other
// AWS call; the credentials refresh themselves before they expire.
// AWS_ENDPOINT_URL from o.Getenv points every client at another endpoint
// (an emulator); the SDK's service-specific AWS_ENDPOINT_URL_<SERVICE>
// variables still apply from the process environment.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	if o.Region == "" {
		return aws.Config{}, fault.Usagef("no AWS region: set region in .github/mlops.yml or the AWS_REGION environment variable")
	}
	if err := CheckRoleARN(o.RoleARN, o.RoleFrom); err != nil {
		return aws.Config{}, err
	}
	ro := o.Retry
	if ro.Logf == nil {
		ro.Logf = o.Logf
	}
	// Every client made from this configuration retries throttling through
	// the SDK's retryer: no call site loops on its own.
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(o.Region),
		awsconfig.WithRetryer(func() aws.Retryer { return NewRetryer(ro) }),
	}
	if ep := o.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(ep))
	}
	if o.RoleARN == "" || !o.GitHub.CanRequestIDToken() {
		if o.RoleARN != "" && o.GitHub.Actions && o.Warnf != nil {
			o.Warnf("%s is set but this job cannot request a GitHub OIDC token (the job needs `permissions: id-token: write`; pull requests from forks never get one); using the default AWS credential chain", o.RoleFrom)
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		return cfg, nil
	}
	return assume(ctx, o, opts)
}

func assume(ctx context.Context, o Options, opts []func(*awsconfig.LoadOptions) error) (aws.Config, error) {
	// The base configuration must not look for other credentials: STS's
	// AssumeRoleWithWebIdentity is an unsigned call, and a stray profile on a
	// runner must not decide who we are.
	opts = append(opts, awsconfig.WithCredentialsProvider(aws.AnonymousCredentials{}))
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	tokens := &tokenSource{ctx: ctx, getenv: o.GitHub.IDTokenEnv, mask: o.Mask}
	web := stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg), o.RoleARN, tokens, func(w *stscreds.WebIdentityRoleOptions) {
		w.RoleSessionName = SessionName(o.GitHub)
		w.Duration = o.Duration
	})
	p := &provider{inner: web, tokens: tokens, role: o.RoleARN, roleFrom: o.RoleFrom, purpose: o.Purpose, mask: o.Mask, warnf: o.Warnf}
	cfg.Credentials = aws.NewCredentialsCache(p, func(c *aws.CredentialsCacheOptions) {
		c.ExpiryWindow = refreshWindow
	})
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		// The cache prefixes "failed to refresh cached credentials"; the
		// explained error underneath is what the user needs.
		var u *fault.UsageError
		if errors.As(err, &u) {
			return aws.Config{}, u
		}
		return aws.Config{}, err
	}
	return cfg, nil
}

// provider assumes the role (through the SDK's web identity provider) and
// turns its failures into messages that say what to check.
type provider struct {
	inner    aws.CredentialsProvider
	tokens   *tokenSource
	role     string
	roleFrom string
	purpose  string
	mask     func(string)

	// assumed is set after the first success: a later refresh that fails
	// comes after the command may have written, so it is no longer bad
	// setup (exit 2) but a failure.
	assumed atomic.Bool
	// last holds the newest credentials with their real expiry (the cache
	// keeps them with the refresh window taken off).
	last  atomic.Pointer[aws.Credentials]
	warnf func(format string, args ...any)
}

// minRemaining is how long credentials must still be valid to be used again
// when a refresh fails.
const minRemaining = time.Minute

// HandleFailToRefresh implements aws.HandleFailRefreshCredentialsCacheStrategy:
// when a refresh fails (GitHub's token endpoint briefly down) while the
// current credentials are still valid for a while, they are used again; the
// cache tries to refresh on its next use.
func (p *provider) HandleFailToRefresh(_ context.Context, _ aws.Credentials, err error) (aws.Credentials, error) {
	last := p.last.Load()
	if last == nil || time.Until(last.Expires) < minRemaining {
		return aws.Credentials{}, err
	}
	if p.warnf != nil {
		p.warnf("refreshing the credentials of %s failed; using the current ones, valid until %s: %v", p.role, last.Expires.UTC().Format(time.RFC3339), err)
	}
	return *last, nil
}

// Retrieve fetches a fresh token and assumes the role with it.
func (p *provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, p.explain(err, !p.assumed.Load())
	}
	p.assumed.Store(true)
	p.last.Store(&c)
	if p.mask != nil {
		p.mask(c.SecretAccessKey)
		p.mask(c.SessionToken)
	}
	return c, nil
}
