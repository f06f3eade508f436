package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

const previewUsage = `Usage: mlops preview up|down|gc [flags]

Subcommands:
  up     deploy (or update) the pull request's preview, test it, comment and record a deployment
  down   remove the pull request's preview stack, listener rule, images and deployments
  gc     remove the previews of closed pull requests and those older than preview.ttl

Inside GitHub Actions the pull request, commit and decision come from the
triggering event; elsewhere pass --pr (and --sha for up).
`

// previewRun is one preview command resolved from flags, inputs and config.
type previewRun struct {
	cfg  *config.Config
	env  *config.Environment
	gh   *preview.GitHub
	life *preview.Lifecycle
	trig *preview.Trigger // nil for gc and for --pr runs
	pr   int
	sha  string
}

// previewOptions are the settings of mlops preview up, down and gc.
type previewOptions struct {
	PR                   int
	SHA, Image, Repo     string
	EventName, EventPath string
	Config               string
}

// declare declares them; the repository and the event default to the run's.
func (o *previewOptions) declare(opts *options, e *Env) {
	opts.PR(&o.PR, "pull request number (default: from the pull_request event)")
	opts.String(&o.SHA, "sha", "commit to deploy (default: the event's head commit)")
	opts.String(&o.Image, "image", "image already built for the commit (default: build and push pr-<N>-<sha>; env MLOPS_IMAGE)").Env("MLOPS_IMAGE")
	opts.String(&o.Repo, "repo", "repository OWNER/NAME (default $GITHUB_REPOSITORY)").Default(e.GitHub.Repository)
	opts.String(&o.EventName, "event-name", "webhook event name (default $GITHUB_EVENT_NAME)").Default(e.GitHub.EventName)
	opts.String(&o.EventPath, "event-path", "webhook payload file (default $GITHUB_EVENT_PATH)").Default(e.GitHub.EventPath)
	opts.configOption(&o.Config)
}

func runPreview(ctx context.Context, e *Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(e.Stdout, previewUsage)
		return nil
	}
	sub := args[0]
	if sub != "up" && sub != "down" && sub != "gc" {
		return fault.Usagef("mlops preview: unknown subcommand %q; use up, down or gc", sub)
	}
	var o previewOptions
	opts := e.newOptions("preview "+sub, "[--pr N] [--sha SHA] [--image REF] [--repo OWNER/NAME] [--config FILE]")
	o.declare(opts, e)
	if err := opts.parse(args[1:], false); err != nil {
		return err
	}
	run, err := e.previewRun(sub, &o)
	if err != nil || run == nil {
		return err
	}
	switch sub {
	case "up":
		return e.previewUp(ctx, &o, run)
	case "down":
		return e.previewDown(ctx, run)
	}
	return e.previewGC(ctx, run)
}

// previewRun checks every input before any AWS or GitHub call. A config
// without a preview environment is not an error: previews are off.
func (e *Env) previewRun(sub string, o *previewOptions) (*previewRun, error) {
	cfg, err := loadConfigFile(o.Config)
	if err != nil {
		return nil, err
	}
	run := &previewRun{cfg: cfg, env: cfg.PreviewEnv()}
	if run.env == nil {
		e.previewSkipped("no environment in " + cfg.Path + " has a preview section; previews are off")
		return nil, nil
	}
	if base := cfg.BaseEnv(); base == nil {
		return nil, fault.Usagef("%s: previews join the stack of another environment, but there is none; add one (e.g. ep-a) or set environments.%s.preview.base", cfg.Path, run.env.Name)
	}
	if run.gh, err = e.previewGitHub(o.Repo); err != nil {
		return nil, err
	}
	if sub != "gc" {
		if err := e.previewTarget(sub, o, run); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// previewTarget finds the PR and commit: --pr (a manual run), else the event.
func (e *Env) previewTarget(sub string, o *previewOptions, run *previewRun) error {
	if n := o.PR; n > 0 {
		run.pr, run.sha = n, o.SHA
		if sub == "up" && run.sha == "" {
			return fault.Usagef("mlops preview up: --pr %d needs --sha, the commit to deploy", n)
		}
		return nil
	}
	name, path := o.EventName, o.EventPath
	if name == "" || path == "" {
		return fault.Usagef("mlops preview %s: no pull request; pass --pr N or run on a pull_request event in GitHub Actions", sub)
	}
	t, err := preview.ReadTrigger(name, path, rulesFor(run.cfg))
	if err != nil {
		return fault.Usage(err)
	}
	run.trig, run.pr, run.sha = &t, t.Decision.PR, t.Decision.SHA
	if v := o.SHA; v != "" {
		run.sha = v
	}
	return nil
}

// previewGitHub builds the repository client from the token and the repository.
func (e *Env) previewGitHub(repo string) (*preview.GitHub, error) {
	var errs []error
	token := e.previewToken()
	if token == "" {
		errs = append(errs, errors.New("no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}) or the action input github-token"))
	}
	owner, name, err := splitRepo(repo)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fault.Usage(fmt.Errorf("mlops preview: %w", errors.Join(errs...)))
	}
	e.Action.Mask(token)
	client, err := e.Services.GitHub(token)
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return &preview.GitHub{Client: client, Owner: owner, Repo: name}, nil
}

func (e *Env) previewUp(ctx context.Context, o *previewOptions, run *previewRun) error {
	// The checks plan and deploy run, before the gate's first GitHub call:
	// the image parameter is preview up's to set.
	if err := e.preflight(run.cfg, run.env.Name, []string{run.env.ImageParameter}); err != nil {
		return err
	}
	life := e.previewLifecycle(ctx, run)
	if ok, err := e.previewGate(ctx, run, life, event.ActionPreviewUp); !ok || err != nil {
		return err
	}
	image := o.Image
	check, err := e.checkPreviewDeploy(run, image)
	if err != nil {
		return err
	}
	if err := e.wirePreviewAWS(ctx, run, life, check); err != nil {
		return err
	}
	// No log group around the whole run: the deploy engine opens one per
	// phase, and Actions does not nest groups.
	e.Action.Logf("preview up: pull request #%d at %s", run.pr, run.sha)
	res, err := life.Up(ctx, preview.UpRequest{PR: run.pr, SHA: run.sha, Image: image})
	if res != nil {
		e.reportPreview(res)
	}
	return err
}

func (e *Env) previewDown(ctx context.Context, run *previewRun) error {
	life := e.previewLifecycle(ctx, run)
	ok, err := e.previewGate(ctx, run, life, event.ActionPreviewDown)
	if !ok || err != nil {
		return err
	}
	if err := e.wirePreviewAWS(ctx, run, life, nil); err != nil {
		return err
	}
	reason := ""
	if run.trig != nil {
		reason = sentence(run.trig.Decision.Reason)
	}
	end := e.Action.Group(fmt.Sprintf("preview down: pull request #%d", run.pr))
	res, err := life.Down(ctx, run.pr, reason)
	end()
	if res != nil {
		fmt.Fprintln(e.Stdout, res.Summary())
		e.Action.SetOutput("status", report.StatusRemoved)
		e.Action.SetOutput("stack", res.Stack)
		e.Action.Summary(fmt.Sprintf("### Preview of pull request #%d\n\n%s\n", run.pr, res.Summary()))
	}
	return err
}

func (e *Env) previewGC(ctx context.Context, run *previewRun) error {
	life := e.previewLifecycle(ctx, run)
	if err := e.wirePreviewAWS(ctx, run, life, nil); err != nil {
		return err
	}
	end := e.Action.Group("preview gc")
	entries, err := life.GC(ctx)
	end()
	t := preview.GCTable(entries)
	if len(entries) == 0 {
		fmt.Fprintln(e.Stdout, "no preview stacks; nothing to remove")
		e.Action.Summary("### Preview gc\n\nNo preview stacks; nothing to remove.\n")
		return err
	}
	summary := preview.GCSummary(entries, life.TTL)
	fmt.Fprintf(e.Stdout, "%s%s\n", t.Text(), summary)
	e.Action.Summary("### Preview gc\n\n" + summary + "\n\n" + t.Markdown())
	return err
}

// previewGate applies the event's decision; when the preview must not
// change, it says why in one line and the step ends green.
func (e *Env) previewGate(ctx context.Context, run *previewRun, life *preview.Lifecycle, want string) (bool, error) {
	if run.trig == nil {
		return true, nil
	}
	ok, reason, err := life.Gate(ctx, *run.trig, want)
	if err != nil || ok {
		return ok, err
	}
	e.previewSkipped(reason)
	return false, nil
}

func (e *Env) previewSkipped(reason string) {
	fmt.Fprintf(e.Stdout, "nothing to do: %s\n", reason)
	e.Action.SetOutput("status", "skipped")
	e.Action.SetOutput("reason", reason)
}

func (e *Env) reportPreview(res *report.Results) {
	if res.URL != "" {
		fmt.Fprintln(e.Stdout, res.URL)
	}
	e.Action.SetOutput("status", res.Effective())
	e.Action.SetOutput("url", res.URL)
	e.Action.SetOutput("stack", res.Stack)
	e.Action.SetOutput("image", res.Image)
	e.Action.Summary(res.Markdown(report.MarkdownOptions{RepoURL: e.GitHub.RepoURL()}))
}

// sentence capitalises a decision reason and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
