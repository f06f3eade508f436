package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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
	perPage := s.perPage(r)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/issues/comments#list-issue-comments")
		return
	}
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
