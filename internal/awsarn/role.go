// Package awsarn is the one home of what the suite knows about the shape of
// AWS ARNs, so the config check and the credential loader refuse the same
// values.
package awsarn

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// IsRoleARN reports whether s is an IAM role's ARN:
// arn:<partition>:iam::<12-digit account>:role/<path and name>, the path
// and name together 1 to 512 of the characters IAM allows in them
// (letters, digits and _+=,.@/-). IAM ARNs carry no region.
//
// It is not a regular expression because every mlops process checks a
// role ARN at start, and compiling the expression's bounded repetition
// cost more than the rest of the check.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
func IsRoleARN(s string) bool {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || a.Region != "" || len(a.AccountID) != 12 || !allDigits(a.AccountID) || !isPartition(a.Partition) {
		return false
	}
	name, ok := strings.CutPrefix(a.Resource, "role/")
	return ok && len(name) >= 1 && len(name) <= 512 && strings.IndexFunc(name, notRoleNameChar) < 0
}

// AccountOf returns the account ID of an ARN such as a stack's StackId, or
// "" when s is not an ARN.
func AccountOf(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	return a.AccountID
}

// isPartition reports whether p is aws or aws-<suffix> of lowercase
// letters and dashes (aws-cn, aws-us-gov, aws-iso-b).
func isPartition(p string) bool {
	suffix, ok := strings.CutPrefix(p, "aws")
	return ok && strings.IndexFunc(suffix, func(r rune) bool { return r != '-' && (r < 'a' || r > 'z') }) < 0
}

func allDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func notRoleNameChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("_+=,.@/-", r)
}
