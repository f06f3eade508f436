package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/prcomment"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// commentRequest is a checked mlops comment invocation: everything is
// validated before any GitHub request.
type commentRequest struct {
	target prcomment.Target
	marker string
	token  string
	author string
	body   string
	runURL string
}

// commentOptions are the settings of mlops comment.
type commentOptions struct {
	PR                    int
	Marker                string
	BodyFile, FromResults string
	Repo, Token, Author   string
}

func (o *commentOptions) declare(opts *options, e *Env) {
	opts.PR(&o.PR, "pull request number (default: the pull request of $GITHUB_EVENT_PATH)")
	opts.String(&o.Marker, "marker", "key of the sticky comment: one comment per pull request and key")
	opts.String(&o.BodyFile, "body-file", "markdown file to post ('-' reads stdin)")
	opts.String(&o.FromResults, "from-results", "results JSON (mlops test --json, mlops deploy --results) to render")
	opts.String(&o.Repo, "repo", "repository OWNER/NAME (default $GITHUB_REPOSITORY)").Default(e.GitHub.Repository)
	opts.String(&o.Token, "token", "GitHub token (default input token, then $GITHUB_TOKEN; prefer those: flags show in process lists)").Default(e.GitHub.Token.Reveal())
	opts.String(&o.Author, "author", "login whose marked comments are ours (default: any bot for GITHUB_TOKEN or an App token, else the token's user)")
}

func runComment(ctx context.Context, e *Env, args []string) error {
	var o commentOptions
	opts := e.newOptions("comment", "--pr N --marker KEY (--body-file FILE | --from-results FILE) [--repo OWNER/NAME] [--author LOGIN]")
	o.declare(opts, e)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	req, err := e.commentRequest(&o)
	if err != nil {
		return err
	}
	e.Action.Mask(req.token)
	client, err := e.Services.GitHub(req.token)
	if err != nil {
		return fault.Usage(fmt.Errorf("mlops comment: %w", err))
	}
	author, err := prcomment.ResolveAuthor(ctx, client, req.token, req.author)
	if err != nil {
		return err
	}
	res, err := prcomment.Upsert(ctx, client, req.target, req.marker, req.body,
		prcomment.Options{Author: author, Link: req.runURL, Logf: e.Action.Logf})
	if err != nil {
		return err
	}
	e.reportComment(req, res)
	return nil
}

func (e *Env) reportComment(req commentRequest, res prcomment.Result) {
	fmt.Fprintln(e.Stdout, res.URL)
	e.Action.SetOutput("comment-id", strconv.FormatInt(res.ID, 10))
	e.Action.SetOutput("comment-url", res.URL)
	e.Action.SetOutput("created", strconv.FormatBool(res.Created))
	// The job summary is left to the commands that produced the results
	// (test, deploy), except for what the comment could not hold.
	if res.Truncated {
		e.Action.Warningf(action.Location{}, "the comment on %s was cut to GitHub's limit of %d characters; the full text is in the job summary", req.target, prcomment.MaxBody)
		e.Action.Summary(req.body)
	}
}

// commentRequest resolves and checks every input; any problem is a usage
// error, found before a client exists.
func (e *Env) commentRequest(o *commentOptions) (commentRequest, error) {
	var errs []error
	req := commentRequest{marker: o.Marker, token: o.Token, author: o.Author, runURL: e.GitHub.RunURL()}
	var err error
	if req.target, err = e.commentTarget(o); err != nil {
		errs = append(errs, err)
	}
	if req.marker == "" {
		errs = append(errs, errors.New("no --marker: name the sticky comment, e.g. --marker preview"))
	} else if err := prcomment.CheckKey(req.marker); err != nil {
		errs = append(errs, err)
	}
	if req.token == "" {
		errs = append(errs, errors.New("no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}) or the action input token"))
	}
	if err := e.commentBody(o, &req); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return req, fault.Usage(fmt.Errorf("mlops comment: %w", errors.Join(errs...)))
	}
	return req, nil
}

var repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$`)

// splitRepo splits --repo (default $GITHUB_REPOSITORY) into owner and
// name; a missing or malformed value is an error saying what to pass.
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, _ = strings.Cut(repo, "/")
	switch {
	case repo == "":
		err = errors.New("no repository: pass --repo OWNER/NAME or run inside GitHub Actions (GITHUB_REPOSITORY)")
	case !repoPattern.MatchString(repo):
		err = fmt.Errorf("--repo %q: want OWNER/NAME, e.g. acme/models", repo)
	}
	return owner, name, err
}

func (e *Env) commentTarget(o *commentOptions) (prcomment.Target, error) {
	var errs []error
	owner, name, err := splitRepo(o.Repo)
	if err != nil {
		errs = append(errs, err)
	}
	pr, err := e.commentPR(o.PR)
	if err != nil {
		errs = append(errs, err)
	}
	return prcomment.Target{Owner: owner, Repo: name, PR: pr}, errors.Join(errs...)
}

// commentPR is --pr, or the pull request of the triggering event.
func (e *Env) commentPR(pr int) (int, error) {
	if pr > 0 {
		return pr, nil
	}
	if path := e.GitHub.EventPath; path != "" {
		p, err := event.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if p.PullRequest != nil && p.PullRequest.Number > 0 {
			return p.PullRequest.Number, nil
		}
	}
	return 0, errors.New("no --pr: pass the pull request number, or run on a pull_request event")
}

// commentBody reads the markdown file or renders the results file.
func (e *Env) commentBody(o *commentOptions, req *commentRequest) error {
	bodyFile, resultsFile := o.BodyFile, o.FromResults
	switch {
	case bodyFile != "" && resultsFile != "":
		return errors.New("--body-file and --from-results both given: pass one")
	case bodyFile != "":
		b, err := e.readInput(bodyFile)
		if err != nil {
			return fmt.Errorf("--body-file: %w", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return fmt.Errorf("--body-file %s: empty; GitHub refuses an empty comment", bodyFile)
		}
		req.body = string(b)
		return nil
	case resultsFile != "":
		r, err := e.readResults(resultsFile)
		if err != nil {
			return err
		}
		if r.RunURL == "" {
			r.RunURL = req.runURL
		}
		req.body = r.Markdown(report.MarkdownOptions{RepoURL: e.GitHub.RepoURL()})
		return nil
	}
	return errors.New("no body: pass --body-file FILE or --from-results FILE")
}

func (e *Env) readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(e.Stdin)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("file %s not found", path)
	}
	return b, err
}

// readResults decodes a results file; a syntax error names its line.
func (e *Env) readResults(path string) (*report.Results, error) {
	b, err := e.readInput(path)
	if err != nil {
		return nil, fmt.Errorf("--from-results: %w", err)
	}
	var r report.Results
	if err := json.Unmarshal(b, &r); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("results file %s:%d: not JSON: %w", path, lineOf(b, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("results file %s:%d: key %q: %w", path, lineOf(b, te.Offset), te.Field, err)
		}
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	if !slices.Contains(report.Statuses(), r.Status) {
		return nil, fmt.Errorf("results file %s: key \"status\": %q is not one of %s", path, r.Status, strings.Join(report.Statuses(), ", "))
	}
	return &r, nil
}

func lineOf(b []byte, offset int64) int {
	return bytes.Count(b[:min(int(offset), len(b))], []byte("\n")) + 1
}
