package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

const syncWeightsSynopsis = `--source s3://bucket/prefix --target DIR [--dry-run] [--keep N] [--concurrency N] [--require-checksum]
       mlops sync-weights --remote [--env NAME] [--source s3://bucket/prefix] [--dry-run] [--require-checksum]

Copies model weights from S3 into DIR/versions/<id>/, verifies each object
against its S3 checksum (objects without one are marked unverified, or
refused with --require-checksum), then switches DIR/current to the new
version atomically. With --remote it runs the same sync inside AWS as a
one-off ECS task of an environment's stack (--env, default
weights.environment) that mounts its EFS volume, streams the task's log and
fails with the task's exit code.`

// syncWeightsOptions are the settings of one sync-weights run.
type syncWeightsOptions struct {
	Config      string
	Env         string
	Remote      bool
	Source      string
	Target      string
	Keep        int
	Concurrency int
	PartSizeMiB int
	DryRun      bool
	RequireSum  bool
}

// weightsArgs are the resolved settings and the config they came with.
type weightsArgs struct {
	syncWeightsOptions
	partSize int64
	cfg      *config.Config
}

func (o *syncWeightsOptions) declare(opts *options) {
	w := func(c *config.Config) *config.Weights {
		if c.Weights == nil {
			return &config.Weights{}
		}
		return c.Weights
	}
	// WEIGHTS_SOURCE and WEIGHTS_DIR are what the weights-sync task definition
	// and the endpoint containers are given, so the task needs no flags.
	opts.String(&o.Source, "source", "S3 source s3://bucket/prefix (env MLOPS_WEIGHTS_SOURCE or WEIGHTS_SOURCE; default weights.source in the config)").
		Env("MLOPS_WEIGHTS_SOURCE", "WEIGHTS_SOURCE").Config("weights.source", func(c *config.Config) string { return w(c).Source })
	opts.String(&o.Target, "target", "directory that holds versions/ and current (env MLOPS_WEIGHTS_TARGET or WEIGHTS_DIR; default weights.target)").
		Env("MLOPS_WEIGHTS_TARGET", "WEIGHTS_DIR").Config("weights.target", func(c *config.Config) string { return w(c).Target })
	opts.String(&o.Env, "env", "environment from the config whose stack runs the --remote sync (env MLOPS_WEIGHTS_ENV; default weights.environment)").
		Env("MLOPS_WEIGHTS_ENV").Config("weights.environment", func(c *config.Config) string { return w(c).Environment })
	opts.Bool(&o.Remote, "remote", "run the sync inside AWS as a one-off ECS task of the environment's stack (env MLOPS_WEIGHTS_REMOTE)").Env("MLOPS_WEIGHTS_REMOTE")
	opts.Bool(&o.DryRun, "dry-run", "list what would change; write nothing")
	opts.Int(&o.Keep, "keep", weights.DefaultKeep, 1, "versions to keep after the switch (config weights.keep)").
		Config("weights.keep", func(c *config.Config) string {
			if k := w(c).Keep; k > 0 {
				return strconv.Itoa(k)
			}
			return ""
		})
	opts.Int(&o.Concurrency, "concurrency", weights.DefaultConcurrency, 1, "GET requests in flight")
	opts.Int(&o.PartSizeMiB, "part-size-mib", weights.DefaultPartSize>>20, 1, "objects larger than this download as parallel ranged GETs of this size")
	opts.Bool(&o.RequireSum, "require-checksum", "fail (exit 2, nothing published) on an object without a checksum in S3 instead of publishing it marked unverified (config weights.require_checksum)").
		Config("weights.require_checksum", func(c *config.Config) string { return strconv.FormatBool(w(c).RequireChecksum) })
	opts.configOption(&o.Config)
}

func runSyncWeights(ctx context.Context, e *Env, args []string) error {
	a := &weightsArgs{}
	opts := e.newOptions("sync-weights", syncWeightsSynopsis)
	a.declare(opts)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	if err := e.weightsArgs(opts, a); err != nil {
		return err
	}
	if a.Remote {
		return e.syncRemote(ctx, a)
	}
	return e.syncLocal(ctx, a)
}

// weightsArgs loads the config (required remotely, else read when present)
// and checks the settings. --env only selects an environment: an explicit
// one without --remote is refused rather than guessed at, because --env
// alone used to mean a remote sync and a local one would write into
// weights.target on this machine instead.
func (e *Env) weightsArgs(opts *options, a *weightsArgs) error {
	if opts.from("env") != "default" && a.Env != "" && !a.Remote {
		return fault.Usagef("mlops sync-weights: --env %q%s selects the environment of a --remote sync, but this sync would run here; add --remote (--env no longer implies it) to run it as the ECS task of %s's stack, or drop --env to sync into --target on this machine", a.Env, opts.sourceOf("env"), a.Env)
	}
	if _, err := os.Stat(a.Config); a.Remote || opts.isSet("config") || err == nil {
		c, err := loadConfigFile(a.Config)
		if err != nil {
			return err
		}
		a.cfg = c
		if err := opts.resolve(c); err != nil {
			return err
		}
	}
	a.partSize = int64(a.PartSizeMiB) << 20
	switch {
	case a.Source == "":
		return fault.Usagef("mlops sync-weights: no source; pass --source s3://bucket/prefix or set weights.source in %s", config.DefaultPath)
	case a.Target == "":
		return fault.Usagef("mlops sync-weights: no target; pass --target DIR or set weights.target in %s", config.DefaultPath)
	case a.Remote && a.Env == "":
		return fault.Usagef("mlops sync-weights: --remote needs an environment; pass --env NAME (one of: %s) or set weights.environment in %s", strings.Join(a.cfg.EnvNames(), ", "), a.cfg.Path)
	}
	return nil
}

func (e *Env) syncLocal(ctx context.Context, a *weightsArgs) error {
	src, err := weights.ParseSource(a.Source)
	if err != nil {
		return err
	}
	awsCfg, err := e.Services.AWSConfig(ctx, a.cfg, config.PurposeWeights)
	if err != nil {
		return fmt.Errorf("aws config for the weights role: %w", err)
	}
	s := &weights.Syncer{S3: e.Services.S3(awsCfg), Clock: e.Clock}
	if s.FsyncDelay, err = e.benchFsyncDelay(); err != nil {
		return err
	}
	if s.FsyncDelay != nil {
		defer func() { fmt.Fprintf(e.Stderr, "%s: %s\n", benchFsyncDelayEnv, s.FsyncDelay.Report()) }()
	}
	p := e.newSyncProgress(s)
	s.Progress = p.update
	end := e.Action.Group("sync " + src.String() + " → " + a.Target)
	res, err := s.Sync(ctx, weights.Options{Source: src, Target: a.Target, Keep: a.Keep,
		Concurrency: a.Concurrency, PartSize: a.partSize, DryRun: a.DryRun, RequireChecksum: a.RequireSum})
	p.done()
	end()
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		e.Action.Warningf(action.Location{}, "%s", w)
	}
	if line := res.UnverifiedLine(); line != "" {
		e.Action.Warningf(action.Location{}, "%s", line)
	}
	if a.DryRun {
		fmt.Fprint(e.Stdout, res.PlanText())
	}
	fmt.Fprint(e.Stdout, res.Text())
	e.Action.Summary(res.Markdown())
	e.Action.SetOutput("version", res.Version)
	e.Action.SetOutput("previous", res.Previous)
	e.Action.SetOutput("changed", strconv.FormatBool(!res.DryRun && res.Version != res.Previous))
	e.Action.SetOutput("bytes", strconv.FormatInt(res.Bytes, 10))
	return nil
}

// syncProgress shows the running sync: redrawn at most every 100 ms on a
// terminal, one line every 10 s in CI (action.Progress keeps that cadence).
type syncProgress struct {
	mu     sync.Mutex
	e      *Env
	s      *weights.Syncer
	p      interface{ Update(string) }
	start  time.Time
	last   time.Time
	doneFn func(string)
}

func (e *Env) newSyncProgress(s *weights.Syncer) *syncProgress {
	p := e.Action.Progress(e.Clock.Now, 10*time.Second)
	return &syncProgress{e: e, s: s, p: p, start: e.Clock.Now(), doneFn: p.Done}
}

func (p *syncProgress) update() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.e.Clock.Now()
	if p.e.Action.Redraw() && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	line := p.s.Stats.Progress(now.Sub(p.start))
	if p.e.Action.Redraw() {
		line = bar(p.s.Stats.Bytes.Load(), p.s.Stats.TotalBytes.Load()) + " " + line
	}
	p.p.Update(line)
}

// bar draws done/total as a 20-cell bar for a terminal.
func bar(done, total int64) string {
	n := 20
	if total > 0 {
		n = int(min(done*20/total, 20))
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(" ", 20-n) + "]"
}

func (p *syncProgress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s.Stats.TotalFiles.Load() > 0 {
		p.doneFn(p.s.Stats.Progress(p.e.Clock.Now().Sub(p.start)))
	}
}

// syncRemote runs the sync as a one-off ECS task of the environment's stack.
func (e *Env) syncRemote(ctx context.Context, a *weightsArgs) error {
	env, err := a.cfg.Env(a.Env)
	if err != nil {
		return fault.Usage(err)
	}
	if env.Stack == "" {
		return fault.Usagef("%s: environment %q has no stack of its own; run the sync in the environment that owns the EFS volume", a.cfg.Path, a.Env)
	}
	src, err := weights.ParseSource(a.Source)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(a.Target, "/") {
		return fault.Usagef("mlops sync-weights: --target %q must be an absolute path inside the task, e.g. /mnt/weights", a.Target)
	}
	command := []string{"sync-weights", "--source", src.String(), "--target", a.Target,
		"--keep", strconv.Itoa(a.Keep), "--concurrency", strconv.Itoa(a.Concurrency)}
	if a.DryRun {
		command = append(command, "--dry-run")
	}
	if a.RequireSum {
		command = append(command, "--require-checksum")
	}
	awsCfg, err := e.Services.AWSConfig(ctx, a.cfg, config.PurposeWeights)
	if err != nil {
		return fmt.Errorf("aws config for the weights role: %w", err)
	}
	// The task's log names S3 keys, which anyone who can write to the
	// bucket chooses: relayed so that no line acts as a workflow command.
	relay := e.Action.Relay(e.Stdout)
	r := &weights.Remote{
		ECS: e.Services.ECS(awsCfg), Logs: e.Services.Logs(awsCfg), Stacks: e.Services.CloudFormation(awsCfg),
		Clock: e.Clock, Log: func(ms []string) { relay.Lines(ms...) },
	}
	end := e.Action.Group(fmt.Sprintf("weights sync task of stack %s: %s → %s", env.Stack, src, a.Target))
	res, err := r.Run(ctx, weights.RemoteOptions{Stack: env.Stack, Command: command})
	end()
	if res != nil {
		e.Action.SetOutput("task-arn", res.TaskARN)
	}
	if err != nil {
		return err
	}
	line := fmt.Sprintf("weights sync task %s finished in %s", res.TaskARN, res.Duration.Round(time.Second))
	e.Action.Logf("%s", line)
	e.Action.Summary(fmt.Sprintf("### Weights sync (%s)\n\n%s → `%s` on stack `%s`: task `%s` succeeded in %s.\n",
		a.Env, src, a.Target, env.Stack, res.TaskARN, res.Duration.Round(time.Second)))
	return nil
}

// benchFsyncDelayEnv, for bench/weights.sh only, adds a latency to every
// fsync of a downloaded file (standing for EFS) and reports on stderr how
// many fsyncs ran and the most in flight. It is read only by a local sync
// on this machine: no action input or remote task sets it.
const benchFsyncDelayEnv = "MLOPS_BENCH_FSYNC_DELAY"

func (e *Env) benchFsyncDelay() (*weights.FsyncDelay, error) {
	v := e.Getenv(benchFsyncDelayEnv)
	if v == "" {
		return nil, nil
	}
	d, err := weights.ParseFsyncDelay(v)
	if err != nil {
		return nil, fault.Usagef("%s: %w; unset it (it is for bench/weights.sh only)", benchFsyncDelayEnv, err)
	}
	return d, nil
}
