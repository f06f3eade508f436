package awsfake

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedLogs is the Logs fake as a role with IAM policies sees it:
// GetLogEvents is authorized on the log stream's ARN, and a denial is
// CloudWatch Logs' AccessDeniedException with IAM's "User: … is not
// authorized to perform: logs:GetLogEvents on resource: …" message.
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
type GatedLogs struct {
	*Logs
	Gate            *iampolicy.Gate
	Region, Account string
}

// GetLogEvents authorizes logs:GetLogEvents on the stream.
func (g *GatedLogs) GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	arn := "arn:aws:logs:" + g.Region + ":" + g.Account + ":log-group:" + aws.ToString(in.LogGroupName) + ":log-stream:" + aws.ToString(in.LogStreamName)
	err := g.Gate.Authorize("logs:GetLogEvents", arn, nil)
	var api smithy.APIError
	if errors.As(err, &api) {
		return nil, apiError("AccessDeniedException", api.ErrorMessage())
	}
	return g.Logs.GetLogEvents(ctx, in, o...)
}
