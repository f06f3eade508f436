package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/awsauth"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/ghclient"
	"github.com/ecs-mlops/ecs-mlops/internal/ghcontext"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/proc"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// Env is everything a command takes from outside the process: streams, the
// environment, the clock and the factories for AWS and GitHub clients.
// Tests build one with fakes; nothing in a command reaches for globals.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	Getenv func(string) string
	// GitHub is the run's GitHub context (GITHUB_*), read once from Getenv.
	GitHub   ghcontext.Context
	Clock    clock.Clock
	Action   *action.Action
	Services *Services
}

// Services builds the clients commands use; tests replace any field.
type Services struct {
	// AWSConfig returns SDK configuration with credentials for purpose; the
	// default assumes the purpose's role with the job's OIDC token (awsauth).
	AWSConfig func(ctx context.Context, cfg *config.Config, p config.Purpose) (aws.Config, error)
	// GitHub returns a REST client authenticated with token, against the
	// context's API URL when set (GitHub Enterprise Server) or the public
	// API. The default retries rate limits and server errors as GitHub asks
	// (internal/ghclient), waiting on the Env's clock.
	GitHub func(token string) (*github.Client, error)
	// S3 returns the S3 client: weight syncs read the bucket with it, the
	// deploy engine uploads templates too large to send inline.
	S3 func(aws.Config) S3API
	// ECS returns the ECS client: remote weight syncs run their task with
	// it, the rollout check after a deploy reads services and tasks.
	ECS func(aws.Config) ECSAPI
	// Logs returns the client remote weight syncs stream the task's log with.
	Logs func(aws.Config) weights.LogsAPI
	// CloudFormation returns the stack client: the deploy engine, previews
	// (listed, read, deleted), bootstrap, and every command that reads a
	// stack's outputs (test, compare, remote weight syncs, doctor).
	CloudFormation func(aws.Config) CloudFormationAPI
	// IAM returns the client bootstrap looks for GitHub's OIDC provider with.
	IAM func(aws.Config) IAMAPI
	// ECR returns the image registry client: builds push to it, preview
	// teardown deletes the PR's images.
	ECR func(aws.Config) ECRAPI
	// Runner starts external programs (docker, git).
	Runner proc.Runner
	// ELB returns the load balancer client: the rollout check reads target
	// health with it, previews read listener-rule priorities.
	ELB func(aws.Config) ELBAPI
	// EFS and EC2 return the clients mlops doctor reads mount targets and
	// their security groups with.
	EFS func(aws.Config) doctor.EFSAPI
	EC2 func(aws.Config) doctor.EC2API
	// HTTP is the client whose transport requests to deployed endpoints
	// use; nil means http.DefaultClient.
	HTTP *http.Client
}

// CloudFormationAPI is everything the commands call on CloudFormation;
// *cloudformation.Client satisfies it, and so does awsfake.CloudFormation.
type CloudFormationAPI interface {
	stack.CloudFormationAPI
	preview.CloudFormationAPI
}

// S3API is everything the commands call on S3; *s3.Client satisfies it.
type S3API interface {
	weights.S3API
	stack.UploaderAPI
}

// ELBAPI is everything the commands call on Elastic Load Balancing v2;
// *elasticloadbalancingv2.Client satisfies it.
type ELBAPI interface {
	rollout.ELBAPI
	preview.ELBAPI
}

// ECSAPI is everything the commands call on ECS; *ecs.Client satisfies it.
type ECSAPI interface {
	weights.ECSAPI
	rollout.ECSAPI
}

// ECRAPI is everything the commands call on ECR; *ecr.Client satisfies it.
type ECRAPI interface {
	image.ECRAPI
	preview.ECRAPI
}

var (
	_ ECSAPI = (*ecs.Client)(nil)
	_ ECRAPI = (*ecr.Client)(nil)
)

func newEnv(stdout, stderr io.Writer, stdin io.Reader, getenv func(string) string, tty bool) *Env {
	a := action.New(getenv, stderr, tty)
	e := &Env{
		Stdout:   stdout,
		Stderr:   stderr,
		Stdin:    stdin,
		Getenv:   getenv,
		GitHub:   a.Context(),
		Clock:    clock.Real{},
		Action:   a,
		Services: defaultServices(),
	}
	e.Services.AWSConfig = e.awsConfig
	e.Services.GitHub = e.gitHub
	return e
}

// NewEnv returns an Env on the given streams whose environment is getenv
// alone, with no terminal and a real clock: one GitHub Actions step as a
// runner would start it. Callers replace the clock and services they need.
func NewEnv(stdout, stderr io.Writer, stdin io.Reader, getenv func(string) string) *Env {
	return newEnv(stdout, stderr, stdin, getenv, false)
}

// NewTestEnv returns an Env for tests: the given environment map only, no
// terminal, a real clock unless replaced.
func NewTestEnv(stdout, stderr io.Writer, env map[string]string) *Env {
	getenv := func(k string) string { return env[k] }
	return newEnv(stdout, stderr, strings.NewReader(""), getenv, false)
}

func defaultServices() *Services {
	return &Services{
		ECR:            func(c aws.Config) ECRAPI { return ecr.NewFromConfig(c) },
		Runner:         proc.Exec{},
		IAM:            func(c aws.Config) IAMAPI { return iam.NewFromConfig(c) },
		S3:             defaultS3,
		ECS:            func(c aws.Config) ECSAPI { return ecs.NewFromConfig(c) },
		Logs:           func(c aws.Config) weights.LogsAPI { return cloudwatchlogs.NewFromConfig(c) },
		CloudFormation: func(c aws.Config) CloudFormationAPI { return cloudformation.NewFromConfig(c) },
		ELB:            func(c aws.Config) ELBAPI { return elasticloadbalancingv2.NewFromConfig(c) },
		EFS:            func(c aws.Config) doctor.EFSAPI { return efs.NewFromConfig(c) },
		EC2:            func(c aws.Config) doctor.EC2API { return ec2.NewFromConfig(c) },
	}
}

// defaultS3 addresses buckets path-style when a custom endpoint is set
// (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3): emulators rarely resolve
// virtual-hosted bucket names.
func defaultS3(c aws.Config) S3API {
	return s3.NewFromConfig(c, func(o *s3.Options) {
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	}, weights.KeepConnections)
}

// gitHub is the default Services.GitHub: a client that retries rate limits
// and server errors as GitHub asks (internal/ghclient), waiting on e.Clock —
// read at call time, so tests that swap the clock get instant waits — and
// saying in the log when it waits.
func (e *Env) gitHub(token string) (*github.Client, error) {
	return ghclient.NewClient(ghclient.Options{
		Token:  token,
		APIURL: e.GitHub.APIURL,
		Clock:  e.Clock,
		Logf:   e.Action.Logf,
	})
}

// awsConfig is the default Services.AWSConfig: the role for purpose (action
// input role > MLOPS_ROLE_ARN > roles.<purpose> in the config), assumed
// in-process with the job's OIDC token, or the SDK's default chain without
// one. The region is input region > AWS_REGION > AWS_DEFAULT_REGION > config.
func (e *Env) awsConfig(ctx context.Context, cfg *config.Config, p config.Purpose) (aws.Config, error) {
	cfgRegion, cfgRole, roleKey := "", "", "roles."+string(p)
	if cfg != nil {
		cfgRegion, cfgRole = cfg.Region, cfg.Roles.For(p)
		roleKey = fmt.Sprintf("%s: roles.%s", cfg.Path, p)
	}
	region := e.Action.Resolve(action.Setting{Flag: "region", Env: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}, Config: cfgRegion}, "", false)
	role := e.Action.Resolve(action.Setting{Flag: "role", Env: []string{"MLOPS_ROLE_ARN"}, Config: cfgRole}, "", false)
	from := map[string]string{"input": "action input role", "env": "MLOPS_ROLE_ARN", "config": roleKey}[role.Source]
	return awsauth.Load(ctx, awsauth.Options{
		Getenv:   e.Getenv,
		GitHub:   e.GitHub,
		Region:   region.Value,
		RoleARN:  role.Value,
		RoleFrom: from,
		Purpose:  string(p),
		Mask:     e.Action.Mask,
		Logf:     e.Action.Logf,
		Warnf:    func(f string, a ...any) { e.Action.Warningf(action.Location{}, f, a...) },
	})
}
