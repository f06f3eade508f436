package demo

import (
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
)

// newGitHub starts the GitHub stand-in (served at GITHUB_API_URL in the
// GitHub Enterprise Server form the real client accepts); the job token
// authenticates as the Actions bot.
func newGitHub() *ghfake.Server {
	g := ghfake.Start()
	g.AddToken(token, ghfake.ActionsBot())
	return g
}

// deployments returns repo's deployments, oldest first, with the states of
// their statuses and the last environment_url set.
func deployments(g *ghfake.Server, repo string) []Deployment {
	var out []Deployment
	for _, d := range g.Deployments(repo) {
		out = append(out, Deployment{Environment: d.Environment, Ref: d.Ref, States: d.States, URL: d.EnvironmentURL})
	}
	return out
}
