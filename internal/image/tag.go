package image

import (
	"fmt"
	"regexp"
)

var (
	shaRe = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	// A docker tag: 128 characters of [A-Za-z0-9_.-], not starting with . or -.
	tagRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// Tag names the image of a commit: the SHA for the default branch,
// pr-<N>-<sha> for a pull request preview (pr > 0).
func Tag(sha string, pr int) (string, error) {
	if !shaRe.MatchString(sha) {
		return "", fmt.Errorf("commit %q is not a git commit SHA (7 to 40 lowercase hex digits)", sha)
	}
	if pr > 0 {
		return fmt.Sprintf("pr-%d-%s", pr, sha), nil
	}
	return sha, nil
}

// CheckTag validates an explicit tag.
func CheckTag(tag string) error {
	if !tagRe.MatchString(tag) {
		return fmt.Errorf("tag %q is not a valid image tag (up to 128 letters, digits, _ . -, not starting with . or -)", tag)
	}
	return nil
}
