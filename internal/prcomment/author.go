package prcomment

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Author says which comments are ours. A marker alone is not enough: anyone
// who can comment could paste it, and the token (with write access) could
// then overwrite their comment. So a comment must carry the marker and be
// written by the author.
type Author struct {
	// Login matches the comment author's login exactly (case-insensitive).
	Login string
	// AnyBot matches any author whose account type is "Bot" — what GitHub
	// App installation tokens, GITHUB_TOKEN included, write as. People
	// cannot have that type, so a pasted marker never matches.
	AnyBot bool
}

// matches reports whether u wrote the comment as this Author.
func (a Author) matches(u *github.User) bool {
	if u == nil {
		return false
	}
	if a.Login != "" {
		return strings.EqualFold(u.GetLogin(), a.Login)
	}
	return a.AnyBot && u.GetType() == "Bot"
}

// String names the author for logs.
func (a Author) String() string {
	if a.Login != "" {
		return a.Login
	}
	return "any bot account"
}

// installationTokenPrefix starts every GitHub App installation token,
// GITHUB_TOKEN included:
// https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
const installationTokenPrefix = "ghs_"

// ResolveAuthor decides whose comments count as ours. An explicit login wins.
// An installation token (GITHUB_TOKEN or a GitHub App's) cannot call GET
// /user — it answers 403 "Resource not accessible by integration" — and its
// comments are written by "github-actions[bot]" or "<app>[bot]", so any Bot
// author matches. Any other token (a personal access token) comments as its
// user, whom GET /user names.
func ResolveAuthor(ctx context.Context, client *github.Client, token, login string) (Author, error) {
	if login != "" {
		return Author{Login: login}, nil
	}
	if strings.HasPrefix(token, installationTokenPrefix) {
		return Author{AnyBot: true}, nil
	}
	u, _, err := client.Users.Get(ctx, "")
	if err != nil {
		return Author{}, fault.WithHint(fmt.Errorf("find the user the token comments as (GET /user): %w", err),
			"pass --author LOGIN (input author) with the login the token comments as")
	}
	return Author{Login: u.GetLogin()}, nil
}
