// Package doctortest has a stateful fake of the AWS APIs doctor reads, with
// the error codes and messages the real services return.
package doctortest

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
)

// Fake is one account's worth of state behind every interface doctor
// uses; errors have the codes and messages the real services return.
type Fake struct {
	// Account holds the services that live in internal/awsfake; EFS and
	// EC2 are its file systems and security groups.
	Account *awsfake.Account
	*awsfake.EFS
	*awsfake.EC2

	mu           sync.Mutex
	Stacks       map[string]map[string]string
	Services     map[string]ecstypes.Service // by name
	TaskDefs     map[string]ecstypes.TaskDefinition
	Rules        map[string][]elbtypes.Rule // by listener
	TargetGroups map[string]elbtypes.TargetGroup
	Health       map[string][]elbtypes.TargetHealthDescription
	Images       map[string]map[string]bool // repository → tags and digests
}

var (
	_ doctor.CloudFormationAPI = (*Fake)(nil)
	_ doctor.EFSAPI            = (*Fake)(nil)
	_ doctor.EC2API            = (*Fake)(nil)
	_ doctor.ELBAPI            = (*Fake)(nil)
	_ doctor.ECSAPI            = (*Fake)(nil)
	_ doctor.ECRAPI            = (*Fake)(nil)
)

func apiErr(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (f *Fake) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	outs, ok := f.Stacks[aws.ToString(in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", aws.ToString(in.StackName))
	}
	s := cfntypes.Stack{StackName: in.StackName, StackStatus: cfntypes.StackStatusUpdateComplete}
	for k, v := range outs {
		s.Outputs = append(s.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{s}}, nil
}

func (f *Fake) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecs.DescribeServicesOutput{}
	for _, n := range in.Services {
		if s, ok := f.Services[n]; ok {
			out.Services = append(out.Services, s)
		} else {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(n), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (f *Fake) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	td, ok := f.TaskDefs[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, apiErr("ClientException", "Unable to describe task definition.")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &td}, nil
}

func (f *Fake) DescribeRules(_ context.Context, in *elb.DescribeRulesInput, _ ...func(*elb.Options)) (*elb.DescribeRulesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules, ok := f.Rules[aws.ToString(in.ListenerArn)]
	if !ok {
		return nil, apiErr("ListenerNotFound", "One or more listeners not found")
	}
	return &elb.DescribeRulesOutput{Rules: rules}, nil
}

func (f *Fake) DescribeTargetGroups(_ context.Context, in *elb.DescribeTargetGroupsInput, _ ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &elb.DescribeTargetGroupsOutput{}
	for _, arn := range in.TargetGroupArns {
		tg, ok := f.TargetGroups[arn]
		if !ok {
			return nil, apiErr("TargetGroupNotFound", "One or more target groups not found")
		}
		out.TargetGroups = append(out.TargetGroups, tg)
	}
	return out, nil
}

func (f *Fake) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.TargetGroups[aws.ToString(in.TargetGroupArn)]; !ok {
		return nil, apiErr("TargetGroupNotFound", "Target groups '%s' not found", aws.ToString(in.TargetGroupArn))
	}
	return &elb.DescribeTargetHealthOutput{TargetHealthDescriptions: f.Health[aws.ToString(in.TargetGroupArn)]}, nil
}

func (f *Fake) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	repo := aws.ToString(in.RepositoryName)
	imgs, ok := f.Images[repo]
	if !ok {
		return nil, apiErr("RepositoryNotFoundException", "The repository with name '%s' does not exist in the registry with id '%s'", repo, aws.ToString(in.RegistryId))
	}
	for _, id := range in.ImageIds {
		key := aws.ToString(id.ImageTag) + aws.ToString(id.ImageDigest)
		if !imgs[key] {
			return nil, apiErr("ImageNotFoundException", "The image with imageId {imageDigest:'%s', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'",
				aws.ToString(id.ImageDigest), aws.ToString(id.ImageTag), repo, aws.ToString(in.RegistryId))
		}
	}
	return &ecr.DescribeImagesOutput{}, nil
}
