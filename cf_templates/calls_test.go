package cftemplates

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/probe"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// seam is one consumer-side AWS interface of the suite, the IAM service
// prefix of its calls, the resource ARN the role calls it on (on: per IAM
// action where it differs) and the request context the suite's calls
// carry (tags it sets). Calls are direct, so no aws:CalledVia.
type seam struct {
	prefix   string
	iface    reflect.Type
	resource string
	on       map[string]string
	ctx      map[string][]string
}

func seamOn[T any](prefix, resource string) seam {
	return seam{prefix: prefix, iface: reflect.TypeOf((*T)(nil)).Elem(), resource: resource}
}

func (s seam) with(on map[string]string, kv ...string) seam {
	s.on = on
	s.ctx = ctx(false, kv...)
	return s
}

// iamActions maps SDK operations whose IAM action has another name.
var iamActions = map[string]string{
	"s3:ListObjectsV2": "s3:ListBucket",
	"s3:HeadObject":    "s3:GetObject",
}

const (
	deployTemplate  = artifactBucket + "/templates/ecs-mlops-ep-a/" + templateSHA + ".yaml"
	previewTemplate = artifactBucket + "/templates/ep-b-pr-7/" + templateSHA + ".yaml"
	weightsObject   = "arn:aws:s3:::ecs-mlops-weights-123456789012/endpoint/model.json"
	syncTask        = "arn:aws:ecs:eu-west-1:123456789012:task/ecs-mlops-ep-a-Cluster-Ab12Cd34Ef56/0123456789abcdef0123456789abcdef"
	fileSystem      = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0"
	securityGroup   = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0"
)

// roleSeams lists, per role, every interface a command running with that
// role calls (cli: Services.AWSConfig with the purpose), on the resource it
// calls it on. Adding a method to one of these interfaces without the
// permission on that resource fails this test. The deploy role builds
// into image.repository and image.sync.repository, the preview role builds into and deletes from
// image.preview_repository (and its build cache) and tags its stacks.
func roleSeams() map[string][]seam {
	previewTags := []string{"aws:RequestTag/mlops:preview", "true", "aws:ResourceTag/mlops:preview", "true"}
	return map[string][]seam{
		"DeployRole": {
			seamOn[stack.CloudFormationAPI]("cloudformation", epAStack), seamOn[stack.UploaderAPI]("s3", deployTemplate),
			seamOn[rollout.ECSAPI]("ecs", serviceA), seamOn[rollout.ELBAPI]("elasticloadbalancing", targetGroupA),
			seamOn[probe.StackAPI]("cloudformation", epAStack),
			seamOn[doctor.CloudFormationAPI]("cloudformation", epAStack), seamOn[doctor.EFSAPI]("elasticfilesystem", fileSystem),
			seamOn[doctor.EC2API]("ec2", securityGroup), seamOn[doctor.ELBAPI]("elasticloadbalancing", listenerA443),
			seamOn[doctor.ECSAPI]("ecs", serviceA), seamOn[doctor.ECRAPI]("ecr", mainRepo),
			seamOn[image.ECRAPI]("ecr", mainRepo), seamOn[image.ECRAPI]("ecr", mainRepo+"-cache"),
			seamOn[image.ECRAPI]("ecr", syncRepo), seamOn[image.ECRAPI]("ecr", syncRepo+"-cache"),
		},
		"PreviewRole": {
			seamOn[stack.CloudFormationAPI]("cloudformation", prStack).with(nil, previewTags...),
			seamOn[stack.UploaderAPI]("s3", previewTemplate),
			seamOn[rollout.ECSAPI]("ecs", servicePR), seamOn[rollout.ELBAPI]("elasticloadbalancing", targetGroupPR),
			seamOn[probe.StackAPI]("cloudformation", prStack),
			seamOn[doctor.CloudFormationAPI]("cloudformation", prStack), seamOn[doctor.EFSAPI]("elasticfilesystem", fileSystem),
			seamOn[doctor.EC2API]("ec2", securityGroup), seamOn[doctor.ELBAPI]("elasticloadbalancing", listenerPR),
			seamOn[doctor.ECSAPI]("ecs", servicePR), seamOn[doctor.ECRAPI]("ecr", previewRepo),
			seamOn[image.ECRAPI]("ecr", previewRepo), seamOn[image.ECRAPI]("ecr", previewRepo+"-cache"),
			// Endpoint A's outputs (listener, roles) are read by name.
			seamOn[preview.CloudFormationAPI]("cloudformation", prStack).with(map[string]string{"cloudformation:DescribeStacks": epAStack}, previewTags...),
			seamOn[preview.CloudFormationAPI]("cloudformation", prStack).with(nil, previewTags...),
			seamOn[preview.ELBAPI]("elasticloadbalancing", listenerPR),
			seamOn[preview.ECRAPI]("ecr", previewRepo),
		},
		"WeightsRole": {
			seamOn[weights.S3API]("s3", weightsObject).with(map[string]string{"s3:ListBucket": "arn:aws:s3:::ecs-mlops-weights-123456789012"}),
			seamOn[weights.ECSAPI]("ecs", syncTask).with(map[string]string{"ecs:RunTask": syncTaskDef, "ecs:DescribeTaskDefinition": syncTaskDef}, "ecs:cluster", clusterA),
			seamOn[weights.LogsAPI]("logs", logsSync), seamOn[weights.StackAPI]("cloudformation", epAStack),
		},
	}
}

// alsoNeeds lists actions IAM checks besides the call's own: EFS answers
// DescribeMountTargetSecurityGroups only to a caller that may also read the
// mount target's network interface
// (https://docs.aws.amazon.com/efs/latest/ug/API_DescribeMountTargetSecurityGroups.html).
var alsoNeeds = map[string][]string{
	"elasticfilesystem:DescribeMountTargetSecurityGroups": {"ec2:DescribeNetworkInterfaceAttribute"},
}

// notGranted are calls an interface has but a role never makes against a
// bootstrapped account, each with the reason.
var notGranted = map[string]string{
	"ecr:CreateRepository": "bootstrap creates both repositories; mlops build creates one only when it is missing",
	"PreviewRole cloudformation:UpdateTerminationProtection": "previews are never protected (config validation refuses it)",
}

func TestRolesAllowEveryCallTheSuiteMakes(t *testing.T) {
	t.Parallel()
	acct := newAccount(t, parse(t, Bootstrap()), exampleParams)
	for role, seams := range roleSeams() {
		docs := acct.policies(role)
		var missing []string
		for _, s := range seams {
			for i := 0; i < s.iface.NumMethod(); i++ {
				action := s.prefix + ":" + s.iface.Method(i).Name
				if a, ok := iamActions[action]; ok {
					action = a
				}
				if notGranted[action] != "" || notGranted[role+" "+action] != "" {
					continue
				}
				res := s.resource
				if r, ok := s.on[action]; ok {
					res = r
				}
				for _, need := range append([]string{action}, alsoNeeds[action]...) {
					if m := iampolicy.Evaluate(docs, iampolicy.Request{Action: need, Resource: res, Context: s.ctx}); m.Decision != iampolicy.Allow {
						missing = append(missing, need+" on "+res+" ("+s.iface.String()+"): "+m.Decision.String())
					}
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks:\n%s", role, strings.Join(missing, "\n"))
		}
	}
}
