// Package doctor checks a deployed environment the way a person would after
// a failed deploy: the EFS mount targets admit the tasks, the health-check
// path answers through the load balancer, the targets are healthy, the
// listener rules do not shadow each other and the running image exists.
// Every finding says how to fix it.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// CloudFormationAPI reads the environment's stack and its outputs.
type CloudFormationAPI interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// EFSAPI lists a file system's mount targets and their security groups.
type EFSAPI interface {
	DescribeMountTargets(ctx context.Context, in *efs.DescribeMountTargetsInput, optFns ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error)
	DescribeMountTargetSecurityGroups(ctx context.Context, in *efs.DescribeMountTargetSecurityGroupsInput, optFns ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error)
}

// EC2API reads security group rules.
type EC2API interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

// ELBAPI reads listener rules, target groups and target health.
type ELBAPI interface {
	DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, optFns ...func(*elb.Options)) (*elb.DescribeRulesOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
}

// ECSAPI reads the service and the task definition it runs.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ECRAPI looks up the image the service runs.
type ECRAPI interface {
	DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
}

// Clients are the AWS clients doctor reads with; it never writes.
type Clients struct {
	CloudFormation CloudFormationAPI
	EFS            EFSAPI
	EC2            EC2API
	ELB            ELBAPI
	ECS            ECSAPI
	ECR            ECRAPI
}

// Status grades a finding.
type Status string

// The grades of a finding; any StatusError makes doctor exit 1.
const (
	StatusOK    Status = "ok"
	StatusWarn  Status = "warn"
	StatusError Status = "error"
)

// Finding is the result of one check on one resource.
type Finding struct {
	Check    string `json:"check"`
	Status   Status `json:"status"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

// Report is everything doctor found about one environment.
type Report struct {
	Environment string    `json:"environment"`
	Stack       string    `json:"stack"`
	Findings    []Finding `json:"findings"`
}

// Errors counts the findings with StatusError.
func (r *Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == StatusError {
			n++
		}
	}
	return n
}

// Target is the environment to examine.
type Target struct {
	Environment string
	Stack       string
	// Host is the host name the endpoint answers to; empty means the host
	// of the stack's URL output.
	Host      string
	URLOutput string
}

// Doctor runs the checks. HTTP is the client whose transport (TLS roots,
// proxy) the health request uses; the connection always goes to the load
// balancer's DNS name from the stack outputs.
type Doctor struct {
	Clients
	HTTP *http.Client
	// Scheme of the health request: https by default (the listener that
	// carries the host rules).
	Scheme string
}

// ErrStackNotFound reports a stack that does not exist; the CLI treats it
// as bad input (exit 2).
var ErrStackNotFound = errors.New("stack does not exist")

// Examine runs every check against the target and returns the report. An
// error means doctor could not look at all (the stack is missing, AWS
// refused); problems in the environment are findings.
func (d *Doctor) Examine(ctx context.Context, t Target) (*Report, error) {
	outs, err := d.outputs(ctx, t.Stack)
	if err != nil {
		return nil, err
	}
	r := &Report{Environment: t.Environment, Stack: t.Stack}
	if t.Host == "" {
		t.Host = hostOf(outs[t.URLOutput])
	}
	svc := d.checkService(ctx, r, outs)
	if svc != nil {
		d.checkEFS(ctx, r, svc)
		d.checkImage(ctx, r, svc)
	}
	d.checkRules(ctx, r, outs, t.Host)
	path := d.checkTargets(ctx, r, outs)
	d.checkHealthPath(ctx, r, outs, t.Host, path)
	return r, nil
}

func (d *Doctor) outputs(ctx context.Context, stack string) (map[string]string, error) {
	outs, err := cfn.StackOutputs(ctx, d.CloudFormation, stack)
	if errors.Is(err, cfn.ErrNoStack) {
		return nil, fmt.Errorf("stack %q: %w", stack, ErrStackNotFound)
	}
	return outs, err
}

func hostOf(url string) string {
	rest := url
	if _, after, ok := strings.Cut(url, "://"); ok {
		rest = after
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}

func (r *Report) add(check string, s Status, resource, msg, fix string) {
	r.Findings = append(r.Findings, Finding{Check: check, Status: s, Resource: resource, Message: msg, Fix: fix})
}

// need records an error finding when a stack output a check relies on is
// missing and reports whether it is there.
func (r *Report) need(check string, outs map[string]string, keys ...string) bool {
	for _, k := range keys {
		if outs[k] == "" {
			r.add(check, StatusError, r.Stack, fmt.Sprintf("stack output %s is missing", k),
				"deploy the current cf_templates version of this stack (it exports "+k+")")
			return false
		}
	}
	return true
}
