package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/image/imagetest"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// token is the GITHUB_TOKEN of every job: it authenticates as the Actions
// bot on the GitHub stand-in.
const token = "ghs_demoTokenOfTheWorkflowRun000000000"

// world holds the stand-ins for AWS and GitHub: one in-memory account
// (awsfake) on the run's clock, whose fakes fail the way the services do;
// S3 and GitHub are real HTTP servers reached through the real SDK and
// go-github clients.
type world struct {
	clock  *runClock
	acct   *awsfake.Account
	docker *imagetest.Docker
	s3srv  *httptest.Server
	s3     *s3.Client // the publisher's client, uploading new weights
	github *ghfake.Server
}

func newWorld(clk *runClock, region string) *world {
	w := &world{clock: clk, acct: awsfake.NewAccountOn(clk)}
	w.acct.CloudFormation.Region = region
	w.docker = &imagetest.Docker{ECR: w.acct.ECR, Digest: digestOf}
	w.s3srv = httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	w.s3 = s3.NewFromConfig(w.awsConfig(region), func(o *s3.Options) { o.UsePathStyle = true })
	w.github = newGitHub()
	return w
}

func (w *world) close() {
	w.s3srv.Close()
	w.github.Close()
}

// digestOf stands for what buildx reports: a digest that differs per
// commit, derived here from the image reference.
func digestOf(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// awsConfig is what every command gets instead of assumed-role
// credentials: static keys the stand-ins accept, and the S3 stand-in as
// the endpoint, as AWS_ENDPOINT_URL would set it for an emulator.
func (w *world) awsConfig(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIADEMODEMODEMODEMO", "demo-secret", ""),
		BaseEndpoint: aws.String(w.s3srv.URL),
		// The stand-in stores only the checksums a client sends.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	}
}

// bootstrap creates what mlops bootstrap would have: the image repository
// (immutable tags) and the weights bucket.
func (w *world) bootstrap(ctx context.Context, cfg *config.Config) error {
	w.acct.ECR.AddRepo(cfg.Image.Repository, ecrtypes.ImageTagMutabilityImmutable)
	if cfg.Weights == nil {
		return nil
	}
	src, err := weights.ParseSource(cfg.Weights.Source)
	if err != nil {
		return err
	}
	if _, err := w.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(src.Bucket)}); err != nil {
		return fmt.Errorf("create the weights bucket %s: %w", src.Bucket, err)
	}
	return nil
}

// wire points an Env's services at the stand-ins. Everything else — the
// GitHub client (GITHUB_API_URL), the S3 client (the endpoint in the AWS
// configuration), the commands themselves — is the binary's own code.
func (w *world) wire(e *cli.Env) {
	s := e.Services
	s.AWSConfig = func(_ context.Context, cfg *config.Config, _ config.Purpose) (aws.Config, error) {
		region := w.acct.CloudFormation.Region
		if cfg != nil && cfg.Region != "" {
			region = cfg.Region
		}
		return w.awsConfig(region), nil
	}
	s.CloudFormation = func(aws.Config) cli.CloudFormationAPI { return w.acct.CloudFormation }
	weightsS3 := s.S3
	s.S3 = func(c aws.Config) cli.S3API {
		return templatesApart{S3API: weightsS3(c), templates: &awsfake.TemplateBucket{CloudFormation: w.acct.CloudFormation, Region: c.Region}}
	}
	s.ELB = func(aws.Config) cli.ELBAPI { return w.acct.ELB }
	s.ECR = func(aws.Config) cli.ECRAPI { return w.acct.ECR }
	s.Runner = w.docker
	s.ECS = func(aws.Config) cli.ECSAPI { return w.acct.ECS }
	s.Logs = func(aws.Config) weights.LogsAPI { return w.acct.Logs }
	e.Clock = w.clock
}

// templatesApart is the demo's S3: the weights bucket is the in-process S3
// server reached by the real client; templates uploaded for a deploy go to
// the CloudFormation fake's bucket, where its TemplateURL reads them.
type templatesApart struct {
	cli.S3API
	templates *awsfake.TemplateBucket
}

func (t templatesApart) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return t.templates.PutObject(ctx, in, optFns...)
}

// HeadObject asks the template bucket first: the deploy engine checks an
// upload it made; the weight sync never puts an object.
func (t templatesApart) HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if out, err := t.templates.HeadObject(ctx, in, optFns...); err == nil {
		return out, nil
	}
	return t.S3API.HeadObject(ctx, in, optFns...)
}
