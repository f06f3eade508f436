package previewtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
)

// Call is one request the GitHub stand-in received.
type Call struct {
	Method string
	Path   string // path and query, e.g. /repos/o/r/deployments?environment=preview%2Fpr-2&per_page=100
	Body   map[string]any
}

// GitHub is an httptest server answering the REST endpoints the preview
// lifecycle uses, keeping deployments and recording every call.
type GitHub struct {
	Server *httptest.Server

	mu          sync.Mutex
	calls       []Call
	deployments []deployment
	// Permissions maps a login to its repository permission; absent → 404.
	Permissions map[string]string
	// PRStates maps a PR number to "open" or "closed"; absent → 404.
	PRStates map[int]string
	// PerPage caps list pages, so tests see Link-header paging.
	PerPage int
	// DenyDeployments answers deployment writes as GitHub does for a token
	// without deployments: write.
	DenyDeployments bool

	comments []*comment
}

// comment is an issue comment, written by the Actions bot.
type comment struct {
	ID    int64  `json:"id"`
	Body  string `json:"body"`
	Issue int    `json:"-"`
}

type deployment struct {
	ID          int64    `json:"id"`
	Ref         string   `json:"ref"`
	Environment string   `json:"environment"`
	states      []string // oldest first
}

// NewGitHub starts the stand-in; call Close when done.
func NewGitHub() *GitHub {
	g := &GitHub{Permissions: map[string]string{}, PRStates: map[int]string{}, PerPage: 2}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// Close stops the server.
func (g *GitHub) Close() { g.Server.Close() }

// Client returns a go-github client pointed at the stand-in.
func (g *GitHub) Client() *github.Client {
	c := github.NewClient(g.Server.Client())
	c.BaseURL, _ = url.Parse(g.Server.URL + "/")
	return c
}

// Calls returns the recorded calls, in order.
func (g *GitHub) Calls() []Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Call(nil), g.calls...)
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		_ = json.Unmarshal(data, &body)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, Call{Method: r.Method, Path: r.URL.RequestURI(), Body: body})
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != "repos" {
		http.NotFound(w, r)
		return
	}
	switch rest := parts[3:]; {
	case r.Method == http.MethodPost && rest[0] == "deployments" && g.DenyDeployments:
		reply(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
	case r.Method == http.MethodPost && len(rest) == 1 && rest[0] == "deployments":
		d := deployment{ID: int64(len(g.deployments) + 1), Ref: fmt.Sprint(body["ref"]), Environment: fmt.Sprint(body["environment"])}
		g.deployments = append(g.deployments, d)
		reply(w, http.StatusCreated, d)
	case len(rest) == 3 && rest[0] == "deployments" && rest[2] == "statuses":
		g.statuses(w, r, rest[1], body)
	case r.Method == http.MethodGet && len(rest) == 1 && rest[0] == "deployments":
		g.listDeployments(w, r)
	case r.Method == http.MethodGet && len(rest) == 3 && rest[0] == "collaborators" && rest[2] == "permission":
		p, ok := g.Permissions[rest[1]]
		if !ok {
			reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		reply(w, http.StatusOK, map[string]any{"permission": p, "user": map[string]string{"login": rest[1]}})
	case len(rest) >= 3 && rest[0] == "issues":
		g.serveComments(w, r, parts[1]+"/"+parts[2], rest[1:], body)
	case r.Method == http.MethodGet && len(rest) == 2 && rest[0] == "pulls":
		n, _ := strconv.Atoi(rest[1])
		s, ok := g.PRStates[n]
		if !ok {
			reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		reply(w, http.StatusOK, map[string]any{"number": n, "state": s})
	default:
		reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// statuses records a status (POST) or lists them newest first (GET).
func (g *GitHub) statuses(w http.ResponseWriter, r *http.Request, id string, body map[string]any) {
	n, _ := strconv.Atoi(id)
	if n < 1 || n > len(g.deployments) {
		reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	d := &g.deployments[n-1]
	if r.Method == http.MethodPost {
		d.states = append(d.states, fmt.Sprint(body["state"]))
		reply(w, http.StatusCreated, map[string]any{"id": len(g.calls), "state": body["state"]})
		return
	}
	var out []map[string]any
	for i := len(d.states) - 1; i >= 0; i-- {
		out = append(out, map[string]any{"id": i + 1, "state": d.states[i]})
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per > 0 && per < len(out) {
		out = out[:per]
	}
	reply(w, http.StatusOK, out)
}

// DeploymentStates returns each deployment's statuses, oldest first.
func (g *GitHub) DeploymentStates() map[string][][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string][][]string{}
	for _, d := range g.deployments {
		out[d.Environment] = append(out[d.Environment], append([]string(nil), d.states...))
	}
	return out
}

// listDeployments answers newest first, filtered by environment, paged
// with a Link header like the REST API.
func (g *GitHub) listDeployments(w http.ResponseWriter, r *http.Request) {
	env := r.URL.Query().Get("environment")
	var ds []deployment
	for i := len(g.deployments) - 1; i >= 0; i-- {
		if env == "" || g.deployments[i].Environment == env {
			ds = append(ds, g.deployments[i])
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	start := min((page-1)*g.PerPage, len(ds))
	end := min(start+g.PerPage, len(ds))
	if end < len(ds) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, g.Server.URL, r.URL.Path, q.Encode()))
	}
	reply(w, http.StatusOK, append([]deployment{}, ds[start:end]...))
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// serveComments answers the issue-comment endpoints the sticky comment uses:
// list (paged), create, edit and delete.
func (g *GitHub) serveComments(w http.ResponseWriter, r *http.Request, repo string, rest []string, body map[string]any) {
	if rest[0] == "comments" && len(rest) == 2 {
		id, _ := strconv.ParseInt(rest[1], 10, 64)
		for i, c := range g.comments {
			if c.ID != id {
				continue
			}
			if r.Method == http.MethodDelete {
				g.comments = append(g.comments[:i], g.comments[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			c.Body = fmt.Sprint(body["body"])
			reply(w, http.StatusOK, g.commentJSON(repo, c))
			return
		}
		reply(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	n, _ := strconv.Atoi(rest[0])
	if r.Method == http.MethodPost {
		c := &comment{ID: int64(1000 + len(g.calls)), Body: fmt.Sprint(body["body"]), Issue: n}
		g.comments = append(g.comments, c)
		reply(w, http.StatusCreated, g.commentJSON(repo, c))
		return
	}
	var out []map[string]any
	for _, c := range g.comments {
		if c.Issue == n {
			out = append(out, g.commentJSON(repo, c))
		}
	}
	reply(w, http.StatusOK, out)
}

func (g *GitHub) commentJSON(repo string, c *comment) map[string]any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", repo, c.Issue, c.ID),
		"user":     map[string]any{"login": "github-actions[bot]", "type": "Bot"},
	}
}

// Comments returns the bodies of the comments on issue or pull request n.
func (g *GitHub) Comments(n int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, c := range g.comments {
		if c.Issue == n {
			out = append(out, c.Body)
		}
	}
	return out
}
