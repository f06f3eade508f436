package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
	"github.com/ecs-mlops/ecs-mlops/internal/weights/remotetest"
	"github.com/ecs-mlops/ecs-mlops/internal/weights/s3test"
)

const weightsConfig = testConfig + `weights:
  source: s3://weights/model
  target: /mnt/weights
  keep: 2
  environment: ep-a
`

// weightsJob is an Actions job whose S3 is gofakes3 and whose ECS, Logs and
// CloudFormation are fakes.
type weightsJob struct {
	env            map[string]string
	dir            string
	s3             *s3test.Server
	ecs            *awsfake.ECS
	logs           *awsfake.Logs
	stacks         *awsfake.CloudFormation
	stdout, stderr bytes.Buffer
}

func newWeightsJob(t *testing.T) *weightsJob {
	t.Helper()
	dir := t.TempDir()
	j := &weightsJob{dir: dir, s3: s3test.Start()}
	t.Cleanup(j.s3.Close)
	w := remotetest.New(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	j.ecs, j.logs, j.stacks = w.ECS, w.Logs, w.Stacks
	cfgPath := filepath.Join(dir, "mlops.yml")
	must(t, os.WriteFile(cfgPath, []byte(weightsConfig), 0o644))
	j.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"MLOPS_CONFIG":        cfgPath,
	}
	for _, k := range []string{"model/model.bin", "model/config.json"} {
		must(t, j.s3.Put(context.Background(), "weights", k, "content of "+k))
	}
	return j
}

func (j *weightsJob) run(args ...string) int {
	j.stdout.Reset()
	j.stderr.Reset()
	e := NewTestEnv(&j.stdout, &j.stderr, j.env)
	e.Clock = clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) { return aws.Config{}, nil }
	e.Services.S3 = func(aws.Config) S3API { return j.s3.Client }
	e.Services.ECS = func(aws.Config) ECSAPI { return j.ecs }
	e.Services.Logs = func(aws.Config) weights.LogsAPI { return j.logs }
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return j.stacks }
	return RunEnv(context.Background(), append([]string{"sync-weights"}, args...), e)
}

func (j *weightsJob) file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(j.dir, name))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func TestSyncWeightsLocalInActions(t *testing.T) {
	t.Parallel()
	j := newWeightsJob(t)
	target := filepath.Join(j.dir, "weights")
	if code := j.run("--target", target); code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, j.stderr.String())
	}
	if !strings.Contains(j.stdout.String(), "switched "+target+"/current to 20261125T120000Z-") {
		t.Errorf("stdout:\n%s", j.stdout.String())
	}
	summary := j.file(t, "summary")
	for _, want := range []string{"### Weights sync", "| added | 2 |", "source `s3://weights/model`"} {
		if !strings.Contains(summary, want) {
			t.Errorf("job summary lacks %q:\n%s", want, summary)
		}
	}
	if !strings.Contains(j.file(t, "output"), "changed<<") || !strings.Contains(j.file(t, "output"), "true") {
		t.Errorf("outputs:\n%s", j.file(t, "output"))
	}
	if !strings.Contains(j.stderr.String(), "(100%), 2 / 2 files") {
		t.Errorf("stderr has no final progress line:\n%s", j.stderr.String())
	}
	if strings.Contains(j.stderr.String(), "\r") {
		t.Errorf("progress redrew in Actions:\n%q", j.stderr.String())
	}
	if !strings.Contains(j.stderr.String(), "::group::sync s3://weights/model") {
		t.Errorf("stderr has no log group:\n%s", j.stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(target, "current", "config.json"))
	if err != nil || string(got) != "content of model/config.json" {
		t.Errorf("current/config.json = %q, %v", got, err)
	}

	// s3test.Put uploads without a checksum: both files are unverified.
	unverified := "unverified: no checksum in S3: 2 file(s) (config.json, model.bin)"
	if !strings.Contains(j.stdout.String(), unverified) || !strings.Contains(j.stdout.String()+j.stderr.String(), "::warning::"+unverified) {
		t.Errorf("output does not say %q in the summary and as a warning:\n%s\n%s", unverified, j.stdout.String(), j.stderr.String())
	}

	if code := j.run("--target", target); code != ExitOK {
		t.Fatalf("second run exit %d, stderr:\n%s", code, j.stderr.String())
	}
	if !strings.Contains(j.stdout.String(), "no changes:") {
		t.Errorf("second run stdout:\n%s", j.stdout.String())
	}
}

func TestSyncWeightsRequireChecksumExits2(t *testing.T) {
	t.Parallel()
	for _, how := range []map[string]string{{"INPUT_REQUIRE_CHECKSUM": "true"}, {"MLOPS_CONFIG": "require_checksum"}} {
		t.Run(fmt.Sprint(how), func(t *testing.T) {
			t.Parallel()
			j := newWeightsJob(t)
			if how["MLOPS_CONFIG"] != "" {
				must(t, os.WriteFile(j.env["MLOPS_CONFIG"], []byte(weightsConfig+"  require_checksum: true\n"), 0o644))
			} else {
				j.env["INPUT_REQUIRE_CHECKSUM"] = "true"
			}
			target := filepath.Join(j.dir, "weights")
			code := j.run("--target", target)
			if code != ExitUsage || !strings.Contains(j.stderr.String(), "has no checksum in S3, and --require-checksum refuses") {
				t.Fatalf("exit %d, want 2 naming the object; stderr:\n%s", code, j.stderr.String())
			}
			if _, err := os.Lstat(filepath.Join(target, "current")); !os.IsNotExist(err) {
				t.Errorf("something was published: %v", err)
			}
		})
	}
}

func TestSyncWeightsBadInputExits2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"not an S3 URI", []string{"--source", "weights/model"}, nil, `"weights/model" is not an S3 URI`},
		{"no such bucket", []string{"--source", "s3://missing/model"}, nil, "NoSuchBucket"},
		{"empty prefix", []string{"--source", "s3://weights/nothing"}, nil, "no objects under this prefix"},
		{"keep zero", []string{"--keep", "0"}, nil, `--keep "0" must be a whole number of at least 1`},
		{"no source anywhere", nil, map[string]string{"MLOPS_CONFIG": "", "MLOPS_WEIGHTS_SOURCE": ""}, "no source"},
		{"unknown environment", []string{"--remote", "--env", "ep-z"}, nil, `unknown environment "ep-z"`},
		{"bad dry-run input", nil, map[string]string{"INPUT_DRY_RUN": "maybe"}, `--dry-run "maybe" must be true or false (action input dry-run)`},
		{"bad require-checksum input", nil, map[string]string{"INPUT_REQUIRE_CHECKSUM": "maybe"}, `--require-checksum "maybe" must be true or false (action input require-checksum)`},
		{"bad remote variable", nil, map[string]string{"MLOPS_WEIGHTS_REMOTE": "yes please"}, `--remote "yes please" must be true or false (environment variable MLOPS_WEIGHTS_REMOTE)`},
		// --env used to switch to a remote sync by itself; such a run must
		// neither start a task nor sync locally into weights.target.
		{"env flag without remote", []string{"--env", "ep-a"}, nil, `--env "ep-a" selects the environment of a --remote sync, but this sync would run here; add --remote`},
		{"env input without remote", nil, map[string]string{"INPUT_ENV": "ep-a"}, `--env "ep-a" (action input env) selects the environment of a --remote sync`},
		{"env variable without remote", nil, map[string]string{"MLOPS_WEIGHTS_ENV": "ep-a"}, `--env "ep-a" (environment variable MLOPS_WEIGHTS_ENV) selects`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newWeightsJob(t)
			target := filepath.Join(j.dir, "weights")
			for k, v := range tc.env {
				j.env[k] = v
				if v == "" {
					delete(j.env, k) // no config: .github/mlops.yml does not exist here
				}
			}
			code := j.run(append([]string{"--target", target}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(j.stderr.String(), tc.want) {
				t.Errorf("exit %d, want 2 with %q; stderr:\n%s", code, tc.want, j.stderr.String())
			}
			if _, err := os.Stat(target); !os.IsNotExist(err) {
				t.Errorf("bad input created the target: %v", err)
			}
			if len(j.ecs.RunInputs()) != 0 {
				t.Errorf("bad input started a task")
			}
		})
	}
}

func TestSyncWeightsRemote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   awsfake.TaskScript
		wantCode int
		wantLog  []string
		wantErr  string
		image    string // the sync task's image; default remotetest.SyncImage
	}{
		{"success", awsfake.TaskScript{Logs: []string{"==> sync s3://weights/model → /mnt/weights", "switched /mnt/weights/current to v2"}, ExitCode: exitCode(0)},
			ExitOK, []string{"==> sync s3://weights/model → /mnt/weights", "switched /mnt/weights/current to v2"}, "", ""},
		// The error and its hint reach the job log as an annotation.
		{"task on an image without /mlops", awsfake.TaskScript{ExitCode: exitCode(0)}, ExitFailure, nil,
			"::error::weights sync task 00000000000000000000000000000001 stopped before its container ran (TaskFailedToStart): CannotStartContainerError",
			remotetest.EndpointImage},
		{"container exit code is the exit code", awsfake.TaskScript{Logs: []string{"error: checksum mismatch"}, ExitCode: exitCode(137), ContainerReason: "OutOfMemoryError: Container killed due to memory usage"},
			137, []string{"error: checksum mismatch"}, "exited with code 137: OutOfMemoryError", ""},
		{"task fails to start", awsfake.TaskScript{RunFailure: "Capacity is unavailable at this time. Please try again later or in a different availability zone"},
			ExitFailure, nil, "failed to start in cluster ecs-mlops: Capacity is unavailable", ""},
		// S3 key names are printed verbatim and may hold line ends and
		// workflow commands: none may reach the runner as a command.
		{"key names with workflow commands", awsfake.TaskScript{Logs: []string{
			"changed model/a\n::add-mask::x",
			"changed ::set-output name=task-arn::forged",
			"::stop-commands::guess\n::guess::\n::error::forged failure",
		}, ExitCode: exitCode(0)},
			ExitOK, []string{"changed model/a", `\::add-mask::x`, "changed ::set-output name=task-arn::forged",
				`\::stop-commands::guess`, `\::guess::`, `\::error::forged failure`}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newWeightsJob(t)
			j.ecs.Script(tc.script)
			if tc.image != "" {
				j.ecs.AddTaskDefinition(remotetest.SyncTaskDefinition(tc.image))
			}
			code := j.run("--remote", "--env", "ep-a", "--dry-run")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, j.stderr.String())
			}
			if diff := cmp.Diff(tc.wantLog, relayed(t, j.stderr.String())); diff != "" {
				t.Errorf("task log relayed into the job log (-want +got):\n%s", diff)
			}
			if j.stdout.Len() != 0 {
				t.Errorf("stdout in Actions:\n%s", j.stdout.String())
			}
			if !strings.Contains(j.stderr.String(), tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, j.stderr.String())
			}
			if strings.Contains(j.file(t, "output"), "forged") {
				t.Errorf("a key name reached the step outputs:\n%s", j.file(t, "output"))
			}
			want := []string{"sync-weights", "--source", "s3://weights/model", "--target", "/mnt/weights", "--keep", "2", "--concurrency", "16", "--dry-run"}
			if diff := cmp.Diff(want, j.ecs.RunInputs()[0].Overrides.ContainerOverrides[0].Command); diff != "" {
				t.Errorf("task command (-want +got):\n%s", diff)
			}
		})
	}
}

// --remote alone runs in weights.environment; an action passing remote=true
// and env reaches the same task.
func TestSyncWeightsRemoteEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag, environment from the config", []string{"--remote"}, nil},
		{"action inputs", nil, map[string]string{"INPUT_REMOTE": "true", "INPUT_ENV": "ep-a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newWeightsJob(t)
			j.ecs.Script(awsfake.TaskScript{ExitCode: exitCode(0)})
			for k, v := range tc.env {
				j.env[k] = v
			}
			if code := j.run(tc.args...); code != ExitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, j.stderr.String())
			}
			runs := j.ecs.RunInputs()
			if len(runs) != 1 {
				t.Fatalf("%d tasks started, want 1", len(runs))
			}
			want := []string{"sync-weights", "--source", "s3://weights/model", "--target", "/mnt/weights", "--keep", "2", "--concurrency", "16"}
			if diff := cmp.Diff(want, runs[0].Overrides.ContainerOverrides[0].Command); diff != "" {
				t.Errorf("task command (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSyncWeightsRemoteNeedsAnEnvironment(t *testing.T) {
	t.Parallel()
	j := newWeightsJob(t)
	cfg := filepath.Join(j.dir, "no-env.yml")
	must(t, os.WriteFile(cfg, []byte(strings.Replace(weightsConfig, "  environment: ep-a\n", "", 1)), 0o644))
	code := j.run("--remote", "--config", cfg)
	if want := "--remote needs an environment; pass --env NAME (one of: ep-a"; code != ExitUsage || !strings.Contains(j.stderr.String(), want) {
		t.Errorf("exit %d, want 2 with %q; stderr:\n%s", code, want, j.stderr.String())
	}
	if len(j.ecs.RunInputs()) != 0 {
		t.Error("a task was started without an environment")
	}
}

// relayed returns the lines written between a ::stop-commands::<token>
// line and its ::<token>:: line, failing on a token that is reused by the
// text or a relayed line that starts with "::".
func relayed(t *testing.T, log string) []string {
	t.Helper()
	var out []string
	token := ""
	for _, l := range strings.Split(log, "\n") {
		switch {
		case token == "" && strings.HasPrefix(l, "::stop-commands::"):
			token = strings.TrimPrefix(l, "::stop-commands::")
		case token != "" && l == "::"+token+"::":
			token = ""
		case token != "":
			if strings.HasPrefix(strings.TrimSpace(l), "::") || strings.Contains(l, token) {
				t.Errorf("relayed line %q could act as a command or end the pause", l)
			}
			out = append(out, l)
		}
	}
	if token != "" {
		t.Errorf("commands still paused at the end of the log (token %s)", token)
	}
	return out
}

func exitCode(n int32) *int32 { return &n }

func TestProgressBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		done, total int64
		want        string
	}{
		{0, 100, "[                    ]"},
		{50, 100, "[##########          ]"},
		{100, 100, "[####################]"},
		{0, 0, "[####################]"},
	}
	for _, tc := range tests {
		if got := bar(tc.done, tc.total); got != tc.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}

func TestSyncWeightsRedrawsOnATerminal(t *testing.T) {
	t.Parallel()
	j := newWeightsJob(t)
	delete(j.env, "GITHUB_ACTIONS")
	e := newEnv(&j.stdout, &j.stderr, strings.NewReader(""), func(k string) string { return j.env[k] }, true)
	e.Clock = clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) { return aws.Config{}, nil }
	e.Services.S3 = func(aws.Config) S3API { return j.s3.Client }
	code := RunEnv(context.Background(), []string{"sync-weights", "--target", filepath.Join(j.dir, "w")}, e)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, j.stderr.String())
	}
	if !strings.Contains(j.stderr.String(), "\r\033[K[") {
		t.Errorf("no redrawn progress bar on a terminal:\n%q", j.stderr.String())
	}
}
