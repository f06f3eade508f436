package awsarn

import (
	"strings"
	"testing"
)

func TestIsRoleARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arn  string
		want bool
	}{
		{"arn:aws:iam::123456789012:role/mlops-deploy", true},
		{"arn:aws:iam::123456789012:role/service-role/ci/Deploy_Role+x=y,z.a@b", true},
		{"arn:aws-cn:iam::123456789012:role/r", true},
		{"arn:aws-us-gov:iam::123456789012:role/r", true},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("r", 512), true},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("r", 513), false},
		{"arn:aws:iam::123456789012:role/", false},
		{"arn:aws:iam::123456789012:user/alice", false},
		{"arn:aws:iam::12345678901:role/r", false},
		{"arn:aws:iam::1234567890123:role/r", false},
		{"arn:aws:iam::12345678901x:role/r", false},
		{"arn:aws:iam:eu-west-1:123456789012:role/r", false},
		{"arn:aws:sts::123456789012:assumed-role/r/s", false},
		{"arn:AWS:iam::123456789012:role/r", false},
		{"arn:awsx1:iam::123456789012:role/r", false},
		{"arn:aws:iam::123456789012:role/has space", false},
		{"arn:aws:iam::123456789012:role/naïve", false},
		{"mlops-deploy", false},
		{"", false},
		{" arn:aws:iam::123456789012:role/r", false},
		{"arn:aws:iam::123456789012:role/r\n", false},
	} {
		if got := IsRoleARN(tc.arn); got != tc.want {
			t.Errorf("IsRoleARN(%q) = %v, want %v", tc.arn, got, tc.want)
		}
	}
}

func TestAccountOf(t *testing.T) {
	t.Parallel()
	for arn, want := range map[string]string{
		"arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/0f1e2d3c": "123456789012",
		"arn:aws-cn:iam::210987654321:role/r":                               "210987654321",
		"ep-a":                                                              "",
		"arn:aws:s3:::bucket/key":                                           "",
	} {
		if got := AccountOf(arn); got != want {
			t.Errorf("AccountOf(%q) = %q, want %q", arn, got, want)
		}
	}
}
