package iampolicy

import (
	"strings"
	"testing"
)

const doc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Stacks", "Effect": "Allow", "Action": ["cloudformation:Describe*", "cloudformation:DeleteStack"],
     "Resource": "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-b-pr-*/*",
     "Condition": {"StringEquals": {"aws:ResourceTag/mlops:preview": "true"}}},
    {"Sid": "NeverA", "Effect": "Deny", "NotAction": "cloudformation:DescribeStacks",
     "Resource": "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/*"},
    {"Sid": "ReadA", "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/*"},
    {"Sid": "ThroughCFN", "Effect": "Allow", "Action": "ecs:CreateService", "Resource": "*",
     "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]},
                   "ArnLike": {"ecs:cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/ep-a-*"}}},
    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ep-a-PreviewTaskRole-*",
     "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
    {"Sid": "Records", "Effect": "Allow", "Action": "route53:ChangeResourceRecordSets", "Resource": "arn:aws:route53:::hostedzone/Z1",
     "Condition": {"ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": ["pr-*.preview.example.com"]}}},
    {"Sid": "Boundary", "Effect": "Allow", "Action": "iam:CreateRole", "Resource": "arn:aws:iam::123456789012:role/ep-a-*",
     "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}}},
    {"Sid": "NoForeignTags", "Effect": "Deny", "Action": "ecs:TagResource", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:RequestTag/mlops:preview": "true"}}},
    {"Sid": "Tag", "Effect": "Allow", "Action": "ecs:TagResource", "Resource": "*"},
    {"Sid": "SecureOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": false}}},
    {"Sid": "Get", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/previews/*",
     "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}
  ]
}`

func TestEvaluate(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	const (
		pr = "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-b-pr-7/abc"
		a  = "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/abc"
	)
	ctx := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	for _, tc := range []struct {
		name string
		r    Request
		want Decision
		sid  string
	}{
		{"tagged preview stack", Request{"cloudformation:DeleteStack", pr, ctx("aws:ResourceTag/mlops:preview", "true")}, Allow, "Stacks"},
		{"action matched case-insensitively", Request{"CloudFormation:describestackevents", pr, ctx("aws:resourcetag/mlops:preview", "true")}, Allow, "Stacks"},
		{"untagged stack under the prefix", Request{"cloudformation:DeleteStack", pr, nil}, ImplicitDeny, ""},
		{"tag with another value", Request{"cloudformation:DeleteStack", pr, ctx("aws:ResourceTag/mlops:preview", "false")}, ImplicitDeny, ""},
		{"read endpoint A", Request{"cloudformation:DescribeStacks", a, nil}, Allow, "ReadA"},
		{"NotAction deny wins", Request{"cloudformation:DeleteStack", a, ctx("aws:ResourceTag/mlops:preview", "true")}, ExplicitDeny, "NeverA"},
		{"direct call lacks CalledVia", Request{"ecs:CreateService", "arn:aws:ecs:eu-west-1:123456789012:service/ep-a-Cluster-1/x", ctx("ecs:cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/ep-a-Cluster-1")}, ImplicitDeny, ""},
		{"through CloudFormation in A's cluster", Request{"ecs:CreateService", "x", ctx("aws:CalledVia", "cloudformation.amazonaws.com", "ecs:cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/ep-a-Cluster-1")}, Allow, "ThroughCFN"},
		{"another cluster", Request{"ecs:CreateService", "x", ctx("aws:CalledVia", "cloudformation.amazonaws.com", "ecs:cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/other")}, ImplicitDeny, ""},
		{"ArnLike wildcard stays in its part", Request{"ecs:CreateService", "x", ctx("aws:CalledVia", "cloudformation.amazonaws.com", "ecs:cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/ep-a-x:arn:aws:ecs:eu-west-1:1:cluster/y")}, Allow, "ThroughCFN"},
		{"pass the preview role to ECS tasks", Request{"iam:PassRole", "arn:aws:iam::123456789012:role/ep-a-PreviewTaskRole-ABC", ctx("iam:PassedToService", "ecs-tasks.amazonaws.com")}, Allow, "Pass"},
		{"pass it to Lambda", Request{"iam:PassRole", "arn:aws:iam::123456789012:role/ep-a-PreviewTaskRole-ABC", ctx("iam:PassedToService", "lambda.amazonaws.com")}, ImplicitDeny, ""},
		{"pass A's sync role", Request{"iam:PassRole", "arn:aws:iam::123456789012:role/ep-a-WeightsSyncTaskRole-ABC", ctx("iam:PassedToService", "ecs-tasks.amazonaws.com")}, ImplicitDeny, ""},
		{"records in the preview domain", Request{"route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", ctx("route53:ChangeResourceRecordSetsNormalizedRecordNames", "pr-1.preview.example.com")}, Allow, "Records"},
		{"one record outside it", Request{"route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", map[string][]string{"route53:ChangeResourceRecordSetsNormalizedRecordNames": {"pr-1.preview.example.com", "api.example.com"}}}, ImplicitDeny, ""},
		{"another zone", Request{"route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z2", ctx("route53:ChangeResourceRecordSetsNormalizedRecordNames", "pr-1.preview.example.com")}, ImplicitDeny, ""},
		{"role with the boundary", Request{"iam:CreateRole", "arn:aws:iam::123456789012:role/ep-a-TaskRole-1", ctx("iam:PermissionsBoundary", "arn:aws:iam::123456789012:policy/b")}, Allow, "Boundary"},
		{"role without a boundary", Request{"iam:CreateRole", "arn:aws:iam::123456789012:role/ep-a-TaskRole-1", nil}, ImplicitDeny, ""},
		{"negated IfExists, key absent: true, so the deny applies", Request{"ecs:TagResource", "x", nil}, ExplicitDeny, "NoForeignTags"},
		{"negated IfExists, the value", Request{"ecs:TagResource", "x", ctx("aws:RequestTag/mlops:preview", "true")}, Allow, "Tag"},
		{"negated IfExists, other value", Request{"ecs:TagResource", "x", ctx("aws:RequestTag/mlops:preview", "no")}, ExplicitDeny, "NoForeignTags"},
		{"Bool on a JSON boolean", Request{"s3:GetObject", "arn:aws:s3:::bucket/previews/t.yaml", ctx("aws:SecureTransport", "false")}, ExplicitDeny, "SecureOnly"},
		{"Null true, key absent", Request{"s3:GetObject", "arn:aws:s3:::bucket/previews/t.yaml", ctx("aws:SecureTransport", "true")}, Allow, "Get"},
		{"Null true, key present", Request{"s3:GetObject", "arn:aws:s3:::bucket/previews/t.yaml", ctx("aws:SecureTransport", "true", "s3:x-amz-server-side-encryption", "AES256")}, ImplicitDeny, ""},
		{"object outside the prefix", Request{"s3:GetObject", "arn:aws:s3:::bucket/templates/t.yaml", ctx("aws:SecureTransport", "true")}, ImplicitDeny, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Evaluate([]Document{d}, tc.r)
			if got.Decision != tc.want || got.Sid != tc.sid {
				t.Errorf("Evaluate(%+v) = %v by %q, want %v by %q", tc.r, got.Decision, got.Sid, tc.want, tc.sid)
			}
		})
	}
}

func TestConditionOperators(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op        string
		want, got []string
		match     bool
	}{
		{"StringEquals", []string{"a"}, nil, false},
		{"StringNotEquals", []string{"a"}, nil, true},
		{"StringNotEquals", []string{"a"}, []string{"a"}, false},
		{"StringNotEquals", []string{"a"}, []string{"b", "a"}, false},
		{"StringNotLike", []string{"a*"}, []string{"b"}, true},
		{"StringEqualsIfExists", []string{"a"}, nil, true},
		{"StringEqualsIfExists", []string{"a"}, []string{"b"}, false},
		{"ForAllValues:StringEquals", []string{"a"}, nil, true},
		{"ForAllValues:StringEquals", []string{"a"}, []string{"a", "b"}, false},
		{"ForAnyValue:StringEquals", []string{"a"}, nil, false},
		{"ForAnyValue:StringEquals", []string{"a"}, []string{"b", "a"}, true},
		{"StringEqualsIgnoreCase", []string{"ABC"}, []string{"abc"}, true},
		{"StringEquals", []string{"ABC"}, []string{"abc"}, false},
		{"Null", []string{"false"}, []string{"x"}, true},
		{"Null", []string{"false"}, nil, false},
		{"Bool", []string{"true"}, []string{"TRUE"}, true},
		{"ArnEquals", []string{"arn:aws:iam::1:role/a"}, []string{"arn:aws:iam::1:role/a"}, true},
		{"ArnLike", []string{"arn:aws:iam::*:role/a"}, []string{"arn:aws:iam::1:role/a"}, true},
		{"ArnLike", []string{"arn:aws:iam::1:*"}, []string{"arn:aws:iam::1:role/a:b"}, true},
		{"ArnNotLike", []string{"arn:aws:iam::1:role/a*"}, []string{"arn:aws:iam::1:role/b"}, true},
		{"NumericLessThan", []string{"3"}, []string{"1"}, false}, // unknown here: never matches
		{"StringEqualz", []string{"a"}, []string{"a"}, false},
	} {
		if got := condition(tc.op, tc.want, tc.got); got != tc.match {
			t.Errorf("%s %q against %q = %v, want %v", tc.op, tc.want, tc.got, got, tc.match)
		}
	}
}

func TestEvaluateBounded(t *testing.T) {
	t.Parallel()
	identity, _ := Parse([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	boundary, _ := Parse([]byte(`{"Statement":[{"Effect":"Allow","Action":["logs:PutLogEvents","ecr:*"],"Resource":"*"},{"Effect":"Deny","Action":"ecr:DeleteRepository","Resource":"*"}]}`))
	for action, want := range map[string]Decision{"logs:PutLogEvents": Allow, "iam:CreateRole": ImplicitDeny, "ecr:DeleteRepository": ExplicitDeny, "ecr:BatchGetImage": Allow} {
		if got := EvaluateBounded([]Document{identity}, []Document{boundary}, Request{Action: action, Resource: "*"}); got.Decision != want {
			t.Errorf("%s: %v, want %v", action, got.Decision, want)
		}
	}
}

func TestParseRefusesMalformedStatements(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"Statement":[{"Effect":"allow","Action":"a:b","Resource":"*"}]}`:                         `Effect "allow" must be Allow or Deny`,
		`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`:                                        "exactly one of Action and NotAction",
		`{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}]}`:       "exactly one of Action and NotAction",
		`{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"X":"bad"}}]}`: "parse policy document",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*", "", true}, {"", "", true}, {"", "a", false}, {"ep-b-pr-*/*", "ep-b-pr-7/id", true}, {"ep-b-pr-*/*", "ep-a/id", false},
	} {
		if got := Glob(tc.p, tc.s, false); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestGateAnswersLikeAWS(t *testing.T) {
	t.Parallel()
	d, _ := Parse([]byte(doc))
	g := &Gate{Principal: "arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/run-1", Policies: []Document{d}}
	if err := g.Authorize("cloudformation:DescribeStacks", "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/abc", nil); err != nil {
		t.Errorf("allowed call: %v", err)
	}
	for _, tc := range []struct{ action, resource, want string }{
		{"cloudformation:ListStacks", "*", "api error AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/run-1 is not authorized to perform: cloudformation:ListStacks on resource: * because no identity-based policy allows the cloudformation:ListStacks action"},
		{"cloudformation:DeleteStack", "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/abc", "api error AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/run-1 is not authorized to perform: cloudformation:DeleteStack on resource: arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/abc with an explicit deny in an identity-based policy"},
	} {
		err := g.Authorize(tc.action, tc.resource, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Authorize(%s) = %v, want %s", tc.action, err, tc.want)
		}
	}
	if n := len(g.Calls()); n != 3 {
		t.Errorf("%d calls recorded, want 3", n)
	}
}

func TestNewGate(t *testing.T) {
	t.Parallel()
	g, err := NewGate("arn:aws:sts::123456789012:assumed-role/r/s",
		`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::private/*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Authorize("s3:GetObject", "arn:aws:s3:::public/k", nil); err != nil {
		t.Errorf("allowed by the first document: %v", err)
	}
	if err := g.Authorize("s3:GetObject", "arn:aws:s3:::private/k", nil); err == nil {
		t.Error("the second document's Deny did not apply")
	}
	if _, err := NewGate("p", `{"Statement":`); err == nil {
		t.Error("NewGate took a document that is not JSON")
	}
}
