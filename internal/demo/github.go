package demo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/preview/previewtest"
)

// gitHub is the GitHub stand-in: one API address (GITHUB_API_URL, in the
// GitHub Enterprise Server form the real client accepts), in front of two
// fakes — ghfake for issue comments and the token's identity (it checks
// the token and keeps GitHub's comment limits), previewtest's for
// deployments, collaborator permissions and pull requests.
type gitHub struct {
	srv      *httptest.Server
	comments *ghfake.Server
	repo     *previewtest.GitHub
}

// commentPaths are the routes ghfake serves.
var commentPaths = regexp.MustCompile(`^/user$|^/repos/[^/]+/[^/]+/issues/`)

func newGitHub() *gitHub {
	g := &gitHub{comments: ghfake.Start(), repo: previewtest.NewGitHub()}
	g.comments.AddToken(token, ghfake.ActionsBot())
	g.repo.PerPage = 30 // GitHub's default page size
	repo := g.repo.Server.Config.Handler
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := strings.CutPrefix(r.URL.Path, ghfake.APIPrefix)
		switch {
		case !ok:
			http.NotFound(w, r)
		case commentPaths.MatchString(path):
			g.comments.Handler().ServeHTTP(w, r)
		default:
			r2 := r.Clone(r.Context())
			r2.URL.Path = path
			r2.URL.RawPath = ""
			repo.ServeHTTP(w, r2)
		}
	}))
	return g
}

// apiURL is the value of GITHUB_API_URL.
func (g *gitHub) apiURL() string { return g.srv.URL + ghfake.APIPrefix }

func (g *gitHub) close() {
	g.srv.Close()
	g.comments.Close()
	g.repo.Close()
}

// deployments returns the deployments, oldest first, with the states of
// their statuses and the last environment_url set, read from the requests
// the stand-in received.
func (g *gitHub) deployments() []Deployment {
	var out []Deployment
	ids := map[string]int{} // deployment id → index in out
	for _, c := range g.repo.Calls() {
		if c.Method != http.MethodPost {
			continue
		}
		path, _, _ := strings.Cut(c.Path, "?")
		parts := strings.Split(strings.Trim(path, "/"), "/")
		switch {
		case len(parts) == 4 && parts[3] == "deployments":
			ids[strconv.Itoa(len(ids)+1)] = len(out)
			out = append(out, Deployment{Environment: fmt.Sprint(c.Body["environment"]), Ref: fmt.Sprint(c.Body["ref"])})
		case len(parts) == 6 && parts[3] == "deployments" && parts[5] == "statuses":
			i, ok := ids[parts[4]]
			if !ok {
				continue
			}
			out[i].States = append(out[i].States, fmt.Sprint(c.Body["state"]))
			if u, ok := c.Body["environment_url"].(string); ok && u != "" {
				out[i].URL = u
			}
		}
	}
	return out
}
