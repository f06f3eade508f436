package demo

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
)

// files holds the model weights the demo publishes.
//
//go:embed testdata/weights/*
var files embed.FS

// Event files the demo plays, by scene, from internal/fixtures: GitHub's
// recorded payloads and the copies adapted to the suite (a push to
// refs/heads/master, the label deploy-preview added and removed).
const (
	pushEvent     = "push.master.json"
	labelEvent    = "pull_request.labeled.deploy-preview.json"
	unlabelEvent  = "pull_request.unlabeled.deploy-preview.json"
	dispatchEvent = "workflow_dispatch.0.json"
)

// productionWeights is the version endpoint A serves when the demo
// starts: the hand-set model the pull request's retrained one replaces.
const productionWeights = "iris-v1"

// newWeights is the model version a data scientist publishes during the
// demo, uploaded to the weights source before the manual sync.
const newWeights = "testdata/weights"

// workspace is the demo's scratch directory: the event files, the config
// as a runner's checkout would see it, the EFS volume and the step files.
type workspace struct {
	dir     string
	config  string // path of the rewritten config
	efs     string // the weights volume endpoint A serves from
	prEFS   string // the weights the pull request's preview serves
	cfg     *config.Config
	stepSeq int
}

func newWorkspace(root string) (*workspace, error) {
	dir, err := os.MkdirTemp("", "mlops-demo-")
	if err != nil {
		return nil, fmt.Errorf("create the demo's temporary directory: %w", err)
	}
	ws := &workspace{dir: dir, efs: filepath.Join(dir, "efs"), prEFS: filepath.Join(dir, "efs-pr")}
	if err := ws.prepare(root); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return ws, nil
}

func (ws *workspace) prepare(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if err := ws.writeConfig(abs); err != nil {
		return err
	}
	// Production serves the version before the pull request's model
	// change; the preview serves the checkout's (the retrained model).
	example := filepath.Join(abs, "endpoint", "example-weights")
	for dir, version := range map[string]string{ws.efs: productionWeights, ws.prEFS: ""} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := seedWeights(example, dir, version); err != nil {
			return err
		}
	}
	return ws.writeEvents()
}

// writeConfig loads the checkout's config, checked as every command checks
// it, and writes it with its file paths relative to the working directory
// (which is root itself under go run ./cmd/demo), so the commands find the
// templates, parameter files and test cases wherever the demo runs.
func (ws *workspace) writeConfig(root string) error {
	path := filepath.Join(root, config.DefaultPath)
	if _, err := os.Stat(path); err != nil {
		return fault.Usagef("demo: %s has no %s; run go run ./cmd/demo in the repository checkout or pass --root DIR", root, config.DefaultPath)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return fault.Usage(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		rel, err := filepath.Rel(wd, filepath.Join(root, p))
		if err != nil {
			return filepath.Join(root, p)
		}
		return rel
	}
	cfg.Image.Context, cfg.Image.Dockerfile = abs(cfg.Image.Context), abs(cfg.Image.Dockerfile)
	for _, env := range cfg.Environments {
		env.Template, env.Parameters = abs(env.Template), abs(env.Parameters)
		for i, t := range env.Tests {
			env.Tests[i] = abs(t)
		}
	}
	if cfg.Compare != nil {
		for i, r := range cfg.Compare.Requests {
			cfg.Compare.Requests[i] = abs(r)
		}
		// Both endpoints share this machine with the demo's every other
		// step, so their latency ratios say nothing about the models:
		// the demo judges agreement, accuracy and errors only.
		cfg.Compare.IgnoreLatencyBelow = "1h"
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode the demo's config: %w", err)
	}
	ws.config = filepath.Join(ws.dir, "mlops.yml")
	if err := os.WriteFile(ws.config, data, 0o644); err != nil {
		return err
	}
	// Read back as the commands will: what they see is what the demo checks.
	ws.cfg, err = config.Load(ws.config)
	return err
}

func (ws *workspace) writeEvents() error {
	if err := os.MkdirAll(filepath.Join(ws.dir, "events"), 0o755); err != nil {
		return err
	}
	for _, name := range []string{pushEvent, labelEvent, unlabelEvent, dispatchEvent} {
		data, err := fixtures.GitHubEvent(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(ws.event(name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// event is where the payload file of name is (GITHUB_EVENT_PATH).
func (ws *workspace) event(name string) string { return filepath.Join(ws.dir, "events", name) }

// stepDir makes a fresh directory for one step's GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, as the runner gives each step its own.
func (ws *workspace) stepDir() (string, error) {
	ws.stepSeq++
	d := filepath.Join(ws.dir, "steps", fmt.Sprintf("%02d", ws.stepSeq))
	return d, os.MkdirAll(d, 0o755)
}

func (ws *workspace) remove() error { return os.RemoveAll(ws.dir) }
