package demo

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// Result is what a run did, read back from the stand-ins: what a user
// would see in the AWS console and on the pull request.
type Result struct {
	Steps     []StepResult
	Summaries []JobSummary
	Runs      int // jobs played
	Elapsed   time.Duration

	// Image is the image reference the push built and ep-a runs.
	Image string
	// SyncImage is the weight-sync image the push built (the mlops
	// binary alone), which ep-a's weight-sync task runs.
	SyncImage string
	// PreviewImage is the image the preview runs.
	PreviewImage string
	// Stacks holds every stack as it was right after its deploy.
	Stacks map[string]Stack
	// Comments are the bodies of the pull request's sticky comment after
	// each preview run, oldest first.
	Comments []string
	// PRComments is how many comments the pull request has at the end.
	PRComments int
	// Deployments are the pull request's GitHub Deployments, with the
	// states their statuses went through.
	Deployments []Deployment
	// WeightsTask is the command the one-off weights-sync task ran.
	WeightsTask []string
	// WeightsVersion is the version the sync switched current to;
	// EndpointWeights is what endpoint A then reported on /api/v1/version.
	WeightsVersion, EndpointWeights string
	// StacksLeft are the stacks that exist when the demo ends;
	// PreviewImagesLeft the pull request's image tags still in ECR;
	// ListenerRules the rule priorities left on A's HTTPS listener.
	StacksLeft        []string
	PreviewImagesLeft []string
	ListenerRules     []int
	// Workspace is the temporary directory the run used (removed by then);
	// EndpointURLs are where the example endpoint served (stopped by then).
	Workspace    string
	EndpointURLs []string
}

// Stack is a CloudFormation stack as DescribeStacks shows it.
type Stack struct {
	Name, Status string
	Params       map[string]string
	Tags         map[string]string
	Outputs      map[string]string
}

// Deployment is one GitHub Deployment and its status history.
type Deployment struct {
	Environment string
	Ref         string
	States      []string
	URL         string // environment_url of the latest status that has one
}

// recordStack stores the stack as CloudFormation describes it now.
func (d *Demo) recordStack(ctx context.Context, name string) (Stack, error) {
	out, err := d.world.acct.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return Stack{}, err
	}
	s := out.Stacks[0]
	st := Stack{Name: name, Status: string(s.StackStatus)}
	st.Params, st.Tags, st.Outputs = cfn.StackMaps(s)
	d.res.Stacks[name] = st
	return st, nil
}

// stacksLeft lists the stacks that still exist (a deleted stack is gone
// from DescribeStacks by name once DELETE_COMPLETE).
func (d *Demo) stacksLeft(ctx context.Context) []string {
	var left []string
	for name := range d.res.Stacks {
		out, err := d.world.acct.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err == nil && len(out.Stacks) > 0 && out.Stacks[0].StackStatus != "DELETE_COMPLETE" {
			left = append(left, name)
		}
	}
	sort.Strings(left)
	return left
}
