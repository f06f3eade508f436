package ghfake_test

import (
	"context"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
)

const repoToken = "ghs_repo"

func newServer(t *testing.T) (*ghfake.Server, *github.Client) {
	t.Helper()
	s := ghfake.New(t)
	s.AddToken(repoToken, ghfake.ActionsBot())
	return s, s.Client(repoToken)
}

// TestDeployments: deployments list newest first, filtered by environment
// and paged by Link header; statuses are kept per deployment.
func TestDeployments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := newServer(t)
	s.CapPerPage(2)
	for i, env := range []string{"preview/pr-1", "preview/pr-2", "preview/pr-1", "preview/pr-1"} {
		d, _, err := c.Repositories.CreateDeployment(ctx, "o", "r", &github.DeploymentRequest{Ref: github.String("sha" + strconv.Itoa(i)), Environment: github.String(env)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Repositories.CreateDeploymentStatus(ctx, "o", "r", d.GetID(), &github.DeploymentStatusRequest{State: github.String("success"), EnvironmentURL: github.String("https://" + env)}); err != nil {
			t.Fatal(err)
		}
	}
	var refs []string
	opts := &github.DeploymentsListOptions{Environment: "preview/pr-1", ListOptions: github.ListOptions{PerPage: 100}}
	pages := 0
	for {
		ds, resp, err := c.Repositories.ListDeployments(ctx, "o", "r", opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range ds {
			refs = append(refs, d.GetRef())
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if diff := cmp.Diff([]string{"sha3", "sha2", "sha0"}, refs); diff != "" || pages != 2 {
		t.Errorf("deployments of preview/pr-1 over %d pages (want 2) (-want +got):\n%s", pages, diff)
	}
	st, _, err := c.Repositories.ListDeploymentStatuses(ctx, "o", "r", 2, nil)
	if err != nil || len(st) != 1 || st[0].GetState() != "success" {
		t.Errorf("statuses of deployment 2 = %v, %v; want one success", st, err)
	}
	if got := s.Deployments("o/r")[1]; got.Environment != "preview/pr-2" || got.EnvironmentURL != "https://preview/pr-2" {
		t.Errorf("deployment 2 = %+v", got)
	}
	_, _, err = c.Repositories.CreateDeploymentStatus(ctx, "o", "r", 99, &github.DeploymentStatusRequest{State: github.String("success")})
	if status(err) != http.StatusNotFound {
		t.Errorf("status of an unknown deployment: %v, want 404", err)
	}
	_, _, err = c.Repositories.CreateDeploymentStatus(ctx, "o", "r", 1, &github.DeploymentStatusRequest{State: github.String("done")})
	if status(err) != http.StatusUnprocessableEntity {
		t.Errorf("status with an unknown state: %v, want 422", err)
	}
	s.DenyDeployments(true)
	_, _, err = c.Repositories.CreateDeployment(ctx, "o", "r", &github.DeploymentRequest{Ref: github.String("main")})
	if status(err) != http.StatusForbidden {
		t.Errorf("denied deployment: %v, want 403 Resource not accessible by integration", err)
	}
}

// TestPermissionsAndPulls: a known collaborator's permission and a pull
// request's state are answered; unknown ones are 404.
func TestPermissionsAndPulls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := newServer(t)
	s.SetPermission("o/r", "octocat", "write")
	s.AddPR("o/r", 1)
	s.SetPRState("o/r", 2, "closed")
	lvl, _, err := c.Repositories.GetPermissionLevel(ctx, "o", "r", "octocat")
	if err != nil || lvl.GetPermission() != "write" {
		t.Errorf("permission = %v, %v; want write", lvl, err)
	}
	if _, _, err := c.Repositories.GetPermissionLevel(ctx, "o", "r", "stranger"); status(err) != http.StatusNotFound {
		t.Errorf("unknown user: %v, want 404", err)
	}
	got := map[int]string{}
	for _, n := range []int{1, 2, 3} {
		pr, _, err := c.PullRequests.Get(ctx, "o", "r", n)
		if err != nil {
			got[n] = strconv.Itoa(status(err))
			continue
		}
		got[n] = pr.GetState()
	}
	if diff := cmp.Diff(map[int]string{1: "open", 2: "closed", 3: "404"}, got); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
}

// TestNoTestingImport: the demo binary links ghfake, so it must not pull
// the testing package in.
func TestNoTestingImport(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if imp.Path.Value == `"testing"` {
				t.Errorf("%s imports testing", f)
			}
		}
	}
}

func status(err error) int {
	if e, ok := err.(*github.ErrorResponse); ok {
		return e.Response.StatusCode
	}
	return 0
}
