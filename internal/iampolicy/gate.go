package iampolicy

import (
	"fmt"
	"sync"

	"github.com/aws/smithy-go"
)

// Gate authorizes the calls of one principal as AWS does, for fakes: a
// call its policies do not allow fails with the service's AccessDenied
// error and AWS's message, which names the principal, the action, the
// resource and why.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
type Gate struct {
	// Principal is the caller's ARN, e.g.
	// arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/run-1.
	Principal string
	Policies  []Document
	// Code is the service's error code: AccessDenied for query-protocol
	// services (CloudFormation, STS), AccessDeniedException for JSON ones
	// (ECS, CloudWatch Logs, ECR). Empty means AccessDenied.
	Code  string
	mu    sync.Mutex
	calls []Request
}

// NewGate returns the gate of principal with the given policy documents
// (JSON), or the first document's parse error.
func NewGate(principal string, policies ...string) (*Gate, error) {
	g := &Gate{Principal: principal}
	for _, p := range policies {
		doc, err := Parse([]byte(p))
		if err != nil {
			return nil, err
		}
		g.Policies = append(g.Policies, doc)
	}
	return g, nil
}

// Calls returns every request asked of the gate, allowed or not.
func (g *Gate) Calls() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Request(nil), g.calls...)
}

// Authorize returns nil when the policies allow the request, else the
// error AWS answers.
func (g *Gate) Authorize(action, resource string, ctx map[string][]string) error {
	r := Request{Action: action, Resource: resource, Context: ctx}
	g.mu.Lock()
	g.calls = append(g.calls, r)
	g.mu.Unlock()
	m := Evaluate(g.Policies, r)
	if m.Decision == Allow {
		return nil
	}
	code := g.Code
	if code == "" {
		code = "AccessDenied"
	}
	why := "because no identity-based policy allows the " + action + " action"
	if m.Decision == ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", g.Principal, action, resource, why), Fault: smithy.FaultClient}
}
