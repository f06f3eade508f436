// Package awsfake is the in-memory AWS account tests run against: an
// Account on one fake clock holding the service fakes (CloudFormation with
// its template bucket, CloudWatch Logs, EFS, EC2, ECR, ECS and ELBv2;
// the account's stacks create their services, target groups and listener
// rules in its ECS and ELBv2), each with
// the SDK client's exact method signatures, keeping state and failing with
// the real service's error codes and messages. It imports no package that
// calls AWS.
package awsfake

import "github.com/aws/smithy-go"

func apiError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}
