package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor/doctortest"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

const doctorConfig = `version: 1
region: eu-west-1
environments:
  ep-a:
    stack: ecs-mlops-ep-a
    template: cf_templates/create-ep-a.yaml
    url_output: EndpointUrl
  ep-b:
    template: cf_templates/add-ep-b.yaml
    url_output: EndpointUrl
    preview:
      stack: ep-b-pr-{pr}
      host: pr-{pr}.preview.example.com
      label: deploy-preview
      priority_parameter: ListenerRulePriority
`

// runDoctorCmd runs mlops doctor against the fake account and an HTTPS
// server standing in for the load balancer.
func runDoctorCmd(t *testing.T, f *doctortest.Fake, srv *httptest.Server, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runDoctorEnv(t, f, srv, map[string]string{}, args...)
}

func runDoctorEnv(t *testing.T, f *doctortest.Fake, srv *httptest.Server, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mlops.yml")
	must(t, os.WriteFile(cfgPath, []byte(doctorConfig), 0o644))
	var out, errb bytes.Buffer
	env["MLOPS_CONFIG"] = cfgPath
	e := NewTestEnv(&out, &errb, env)
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) {
		return aws.Config{Region: "eu-west-1"}, nil
	}
	a := f.Account
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return a.CloudFormation }
	e.Services.EFS = func(aws.Config) doctor.EFSAPI { return a.EFS }
	e.Services.EC2 = func(aws.Config) doctor.EC2API { return a.EC2 }
	e.Services.ELB = func(aws.Config) ELBAPI { return a.ELB }
	e.Services.ECS = func(aws.Config) ECSAPI { return a.ECS }
	e.Services.ECR = func(aws.Config) ECRAPI { return a.ECR }
	e.Services.HTTP = srv.Client()
	code = RunEnv(context.Background(), append([]string{"doctor"}, args...), e)
	return code, out.String(), errb.String()
}

func pingServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != doctortest.Host || r.URL.Path != "/ping" {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDoctorReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		break_   func(f *doctortest.Fake)
		wantCode int
	}{
		{"healthy", func(*doctortest.Fake) {}, ExitOK},
		{"efs-closed", doctortest.CloseEFS, ExitFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := pingServer(t)
			f := doctortest.Healthy(srv.Listener.Addr().String())
			tc.break_(f)
			code, stdout, stderr := runDoctorCmd(t, f, srv, "--env", "ep-a")
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			golden.Check(t, "doctor-"+tc.name+".txt", stdout)
		})
	}
}

func TestDoctorJSON(t *testing.T) {
	t.Parallel()
	srv := pingServer(t)
	f := doctortest.Healthy(srv.Listener.Addr().String())
	doctortest.DeleteRepository(f)
	code, stdout, _ := runDoctorCmd(t, f, srv, "--env=ep-a", "--json")
	if code != ExitFailure {
		t.Errorf("exit code = %d, want %d", code, ExitFailure)
	}
	var r doctor.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	var failed []string
	for _, fd := range r.Findings {
		if fd.Status == doctor.StatusError {
			failed = append(failed, fd.Check+": "+fd.Message)
		}
	}
	want := []string{"image: the ECR repository ecs-mlops/endpoint does not exist"}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("error findings (-want +got):\n%s", diff)
	}
}

func TestDoctorBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown environment", []string{"--env", "ep-z"}, `unknown environment "ep-z"; known environments: ep-a, ep-b`},
		{"no environment", nil, "--env is required; one of: ep-a, ep-b"},
		{"preview without pr", []string{"--env", "ep-b"}, "ep-b is a preview environment; pass --pr"},
		{"missing preview stack", []string{"--env", "ep-b", "--pr", "9"}, `environment ep-b: stack "ep-b-pr-9": stack does not exist`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := pingServer(t)
			code, stdout, stderr := runDoctorCmd(t, doctortest.Healthy(srv.Listener.Addr().String()), srv, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

// TestDoctorInActions writes the findings with their fixes to the job
// summary and the error as an annotation.
func TestDoctorInActions(t *testing.T) {
	t.Parallel()
	srv := pingServer(t)
	f := doctortest.Healthy(srv.Listener.Addr().String())
	doctortest.CloseEFS(f)
	summary := filepath.Join(t.TempDir(), "summary")
	must(t, os.WriteFile(summary, nil, 0o644))
	code, _, stderr := runDoctorEnv(t, f, srv, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}, "--env", "ep-a")
	if code != ExitFailure {
		t.Errorf("exit code = %d, want %d", code, ExitFailure)
	}
	if want := "::error::mlops doctor: 1 problem(s) in ep-a (stack ecs-mlops-ep-a); each has a fix above"; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want the annotation %q", stderr, want)
	}
	b, err := os.ReadFile(summary)
	must(t, err)
	golden.Check(t, "doctor-efs-closed.summary.md", string(b))
}
