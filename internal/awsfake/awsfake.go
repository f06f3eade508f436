// Package awsfake holds the stateful CloudWatch Logs fake (the other AWS
// fakes live next to their consumers: stacktest, rollouttest, imagetest).
// It has the SDK client's exact method signatures, keeps state and fails
// with the real service's error codes and messages.
package awsfake

import "github.com/aws/smithy-go"

func apiError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}
