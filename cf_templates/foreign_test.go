package cftemplates

import (
	"strings"
	"testing"
)

// TestTrustCheckOnForeignPrincipals: a trust statement whose principal is
// not a map (Principal: "*") or names a service, as templates of other
// projects have, is reported with the role's name; the check does not
// panic on it.
func TestTrustCheckOnForeignPrincipals(t *testing.T) {
	t.Parallel()
	m := parse(t, `Resources:
  Open:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Action: sts:AssumeRoleWithWebIdentity, Principal: "*"}
  Tasks:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ecs-tasks.amazonaws.com}}
`)
	ps, _ := trustProblems(m)
	got := strings.Join(ps, "\n")
	for _, want := range []string{"Open: Principal is *, not GitHub's OIDC provider", "Tasks: trust statement is not Allow sts:AssumeRoleWithWebIdentity"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
