// Package preview runs the pull-request preview lifecycle: a preview stack
// per PR in endpoint A's infrastructure, its listener-rule priority, its
// images, a GitHub Deployment and the sticky PR comment; and tears it all
// down again when the label goes or the PR closes.
package preview

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// Tag keys that mark a stack as a preview of one pull request. Teardown and
// gc only ever delete stacks carrying both.
const (
	TagPreview = "mlops:preview"
	TagPR      = "mlops:pr"
)

// Names are everything derived from the config and the PR number, so
// nothing about a preview is typed by hand.
type Names struct {
	PR          int
	Environment string // config environment the preview is made from, e.g. ep-b
	Stack       string // ep-b-pr-<N>
	Host        string // pr-<N>.<preview domain>
	ImagePrefix string // pr-<N>- : every image tag of this PR starts with it
	Deployment  string // GitHub environment: preview/pr-<N>
	Tags        map[string]string
}

// NamesFor derives the names of pull request pr's preview from env, which
// must be the config's preview environment.
func NamesFor(env *config.Environment, pr int) (Names, error) {
	if env == nil || env.Preview == nil {
		return Names{}, fmt.Errorf("no environment has a preview section in the config; add one (preview.stack, preview.host, preview.label) to enable previews")
	}
	if pr <= 0 {
		return Names{}, fmt.Errorf("pull request number %d is not valid; pass --pr N or run on a pull_request event", pr)
	}
	n := strconv.Itoa(pr)
	return Names{
		PR:          pr,
		Environment: env.Name,
		Stack:       env.StackFor(pr),
		Host:        env.HostFor(pr),
		ImagePrefix: "pr-" + n + "-",
		Deployment:  "preview/pr-" + n,
		Tags:        map[string]string{TagPreview: "true", TagPR: n},
	}, nil
}

// ImageTag is the tag of the image built for commit sha of the PR:
// pr-<N>-<sha>, so teardown finds every image of the PR by its prefix.
func (n Names) ImageTag(sha string) string {
	return n.ImagePrefix + strings.ToLower(sha)
}

// OwnsTags reports whether stack tags mark the stack as this PR's preview.
func (n Names) OwnsTags(tags map[string]string) bool {
	return tags[TagPreview] == "true" && tags[TagPR] == strconv.Itoa(n.PR)
}
