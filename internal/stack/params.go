package stack

import (
	"fmt"
	"regexp"
	"strings"
)

// ParseOverride splits one Key=Value override at the first "="; the value is
// kept whole, commas and further "=" included.
func ParseOverride(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return "", "", fmt.Errorf("%q is not Key=Value; write e.g. --param DesiredCount=2", s)
	}
	return key, value, nil
}

var (
	digestRef = regexp.MustCompile(`^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::\d+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*@sha256:[a-f0-9]{64}$`)
	tagRef    = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// CheckImageRef accepts an image reference with a tag (repo:tag) or a digest
// (repo@sha256:<64 hex>), the two forms `mlops build` prints.
func CheckImageRef(ref string) error {
	if digestRef.MatchString(ref) || tagRef.MatchString(ref) {
		return nil
	}
	return fmt.Errorf("%q is not an image reference; give repo:tag or repo@sha256:<64 hex digits>, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/endpoint@sha256:...", ref)
}
