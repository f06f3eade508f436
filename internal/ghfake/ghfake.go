// Package ghfake is a stateful fake of the GitHub REST API parts the suite
// uses (issue comments, the authenticated user), served over HTTP so tests
// drive the real go-github client against it. It answers like GitHub: the
// same paths, status codes, error bodies, Link pagination and the 65,536
// character comment limit; it records every request, and scripted faults
// (rate limits, 5xx) can be put in front of any route.
package ghfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// APIPrefix is where the fake serves the API, as GitHub Enterprise Server
// does, so a client is pointed at it with GITHUB_API_URL alone.
const APIPrefix = "/api/v3"

// User is a GitHub account; Type is "User" or "Bot".
type User struct {
	Login string
	ID    int64
	Type  string
}

// ActionsBot is the account GITHUB_TOKEN comments as.
func ActionsBot() User { return User{Login: "github-actions[bot]", ID: 41898282, Type: "Bot"} }

// Comment is a stored issue comment.
type Comment struct {
	ID   int64
	Body string
	User User
}

// Request is one request the fake received; Path excludes APIPrefix.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   string
}

// Fault answers the next Times requests whose method and path (without
// APIPrefix) match, instead of the route. Empty Method or Path match any.
type Fault struct {
	Method  string
	Path    string
	Times   int
	Status  int
	Headers map[string]string
	Body    string
	// Apply runs the route anyway before answering with the fault: GitHub
	// sometimes applies a write and still answers 502.
	Apply bool
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	users    map[string]User // by token
	issues   map[string][]*Comment
	faults   []*Fault
	requests []Request
	nextID   int64
}

// New starts a fake closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{users: map[string]User{}, issues: map[string][]*Comment{}, nextID: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+APIPrefix+"/user", s.getUser)
	mux.HandleFunc("GET "+APIPrefix+"/repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	mux.HandleFunc("POST "+APIPrefix+"/repos/{owner}/{repo}/issues/{number}/comments", s.createComment)
	mux.HandleFunc("PATCH "+APIPrefix+"/repos/{owner}/{repo}/issues/comments/{id}", s.editComment)
	mux.HandleFunc("DELETE "+APIPrefix+"/repos/{owner}/{repo}/issues/comments/{id}", s.deleteComment)
	s.srv = httptest.NewServer(s.record(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// APIURL is the value for GITHUB_API_URL.
func (s *Server) APIURL() string { return s.srv.URL + APIPrefix }

// AddToken makes token authenticate as u.
func (s *Server) AddToken(token string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[token] = u
}

// AddPR creates pull request number in repo ("owner/name") with no comments.
func (s *Server) AddPR(repo string, number int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.issues[issueKey(repo, number)]; !ok {
		s.issues[issueKey(repo, number)] = []*Comment{}
	}
}

// Seed adds a comment by u to a pull request (creating it) and returns its ID.
func (s *Server) Seed(repo string, number int, u User, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := issueKey(repo, number)
	s.nextID++
	s.issues[k] = append(s.issues[k], &Comment{ID: s.nextID, Body: body, User: u})
	return s.nextID
}

// Comments returns a pull request's comments, oldest first.
func (s *Server) Comments(repo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.issues[issueKey(repo, number)] {
		out = append(out, *c)
	}
	return out
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Fail queues a fault; faults are consumed in the order queued.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

func issueKey(repo string, number int) string { return fmt.Sprintf("%s#%d", repo, number) }

// record logs the request, authenticates it and applies queued faults.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		path := strings.TrimPrefix(r.URL.Path, APIPrefix)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: string(b)})
		f := s.takeFault(r.Method, path)
		s.mu.Unlock()
		if _, ok := s.user(r); !ok {
			writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
			return
		}
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		if f.Apply {
			next.ServeHTTP(discard{http.Header{}}, r)
		}
		for k, v := range f.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
	})
}

func (s *Server) takeFault(method, path string) *Fault {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && (f.Path == "" || f.Path == path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) user(r *http.Request) (User, bool) {
	auth := r.Header.Get("Authorization")
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(auth, "Bearer "), "token "))
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[token]
	return u, ok
}

// getUser answers GET /user; installation tokens cannot call it.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, _ := s.user(r)
	if u.Type == "Bot" {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u))
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	repo, number := r.PathValue("owner")+"/"+r.PathValue("repo"), r.PathValue("number")
	n, _ := strconv.Atoi(number)
	s.mu.Lock()
	all, ok := s.issues[issueKey(repo, n)]
	page := make([]*Comment, len(all))
	copy(page, all)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#list-issue-comments")
		return
	}
	perPage := intParam(r, "per_page", 30)
	perPage = min(max(perPage, 1), 100)
	p := max(intParam(r, "page", 1), 1)
	last := max((len(page)+perPage-1)/perPage, 1)
	from, to := min((p-1)*perPage, len(page)), min(p*perPage, len(page))
	setLinks(w, r, p, last, perPage)
	out := make([]map[string]any, 0, to-from)
	for _, c := range page[from:to] {
		out = append(out, s.commentJSON(r, repo, n, c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	repo := r.PathValue("owner") + "/" + r.PathValue("repo")
	n, _ := strconv.Atoi(r.PathValue("number"))
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	u, _ := s.user(r)
	s.mu.Lock()
	k := issueKey(repo, n)
	if _, exists := s.issues[k]; !exists {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#create-an-issue-comment")
		return
	}
	s.nextID++
	c := &Comment{ID: s.nextID, Body: body, User: u}
	s.issues[k] = append(s.issues[k], c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.commentJSON(r, repo, n, c))
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	repo := r.PathValue("owner") + "/" + r.PathValue("repo")
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	c, n := s.lookup(repo, r.PathValue("id"))
	if c != nil {
		c.Body = body
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#update-an-issue-comment")
		return
	}
	writeJSON(w, http.StatusOK, s.commentJSON(r, repo, n, c))
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) {
	repo := r.PathValue("owner") + "/" + r.PathValue("repo")
	s.mu.Lock()
	c, n := s.lookup(repo, r.PathValue("id"))
	if c != nil {
		k := issueKey(repo, n)
		for i, x := range s.issues[k] {
			if x == c {
				s.issues[k] = append(s.issues[k][:i], s.issues[k][i+1:]...)
				break
			}
		}
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#delete-an-issue-comment")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// lookup finds a comment of repo by ID; the caller holds s.mu.
func (s *Server) lookup(repo, id string) (*Comment, int) {
	want, _ := strconv.ParseInt(id, 10, 64)
	for k, cs := range s.issues {
		r, num, _ := strings.Cut(k, "#")
		if r != repo {
			continue
		}
		for _, c := range cs {
			if c.ID == want {
				n, _ := strconv.Atoi(num)
				return c, n
			}
		}
	}
	return nil, 0
}

// readBody decodes {"body": ...} and refuses what GitHub refuses.
func readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"body\" wasn't supplied.", "https://docs.github.com/rest/issues/comments")
		return "", false
	}
	if utf8.RuneCountInString(*in.Body) > 65536 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed",
			"errors": []map[string]string{{
				"resource": "IssueComment", "code": "custom", "field": "body",
				"message": "body is too long (maximum is 65536 characters)",
			}},
			"documentation_url": "https://docs.github.com/rest/issues/comments",
			"status":            "422",
		})
		return "", false
	}
	return *in.Body, true
}

func (s *Server) commentJSON(r *http.Request, repo string, n int, c *Comment) map[string]any {
	api := "http://" + r.Host + APIPrefix + "/repos/" + repo
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(c.ID) * time.Second).Format(time.RFC3339)
	return map[string]any{
		"id":                 c.ID,
		"node_id":            fmt.Sprintf("IC_kwDO%08d", c.ID),
		"url":                fmt.Sprintf("%s/issues/comments/%d", api, c.ID),
		"html_url":           fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", repo, n, c.ID),
		"issue_url":          fmt.Sprintf("%s/issues/%d", api, n),
		"body":               c.Body,
		"user":               userJSON(c.User),
		"created_at":         at,
		"updated_at":         at,
		"author_association": "NONE",
	}
}

func userJSON(u User) map[string]any {
	return map[string]any{"login": u.Login, "id": u.ID, "type": u.Type}
}

// setLinks writes GitHub's Link header for page p of last.
func setLinks(w http.ResponseWriter, r *http.Request, p, last, perPage int) {
	link := func(page int, rel string) string {
		return fmt.Sprintf(`<http://%s%s?per_page=%d&page=%d>; rel="%s"`, r.Host, r.URL.Path, perPage, page, rel)
	}
	var links []string
	if p > 1 {
		links = append(links, link(p-1, "prev"))
	}
	if p < last {
		links = append(links, link(p+1, "next"), link(last, "last"))
	}
	if p > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

func intParam(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return v
	}
	return def
}

func writeError(w http.ResponseWriter, status int, msg, doc string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// discard is a ResponseWriter that keeps nothing, for faults that apply the
// route and then answer otherwise.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
