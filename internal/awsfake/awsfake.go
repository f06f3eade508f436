// Package awsfake holds stateful fakes of AWS services for tests. Each fake
// has the SDK client's exact method signatures, keeps state, moves it along
// as it is polled, and fails with the real services' error codes and
// messages (see the doc links on each method).
package awsfake

import "github.com/aws/smithy-go"

func apiError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}
