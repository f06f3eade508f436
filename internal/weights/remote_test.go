//go:build unix

package weights_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
	"github.com/ecs-mlops/ecs-mlops/internal/weights/remotetest"
)

var (
	_ weights.ECSAPI   = (*awsfake.ECS)(nil)
	_ weights.ECSAPI   = (*awsfake.GatedECS)(nil)
	_ weights.LogsAPI  = (*awsfake.Logs)(nil)
	_ weights.StackAPI = (*awsfake.CloudFormation)(nil)
)

const taskDef = remotetest.TaskDefinition

type remoteRig struct {
	ecs    *awsfake.ECS
	logs   *awsfake.Logs
	stacks *awsfake.CloudFormation
	clock  *clock.Fake
	lines  []string
	remote *weights.Remote
}

func newRemoteRig() *remoteRig {
	r := &remoteRig{clock: clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))}
	w := remotetest.New(r.clock)
	r.ecs, r.logs, r.stacks = w.ECS, w.Logs, w.Stacks
	r.remote = &weights.Remote{ECS: r.ecs, Logs: r.logs, Stacks: r.stacks, Clock: r.clock, Log: func(ms []string) { r.lines = append(r.lines, ms...) }}
	return r
}

func (r *remoteRig) run() (*weights.RemoteResult, error) {
	return r.remote.Run(context.Background(), weights.RemoteOptions{
		Stack:   "ecs-mlops-ep-a",
		Command: []string{"sync-weights", "--source", "s3://weights/model", "--target", "/mnt/weights"},
	})
}

func exit(n int32) *int32 { return &n }

func TestRemoteSuccessStreamsLogs(t *testing.T) {
	t.Parallel()
	r := newRemoteRig()
	logs := []string{"==> list s3://weights/model", "12 files, 3 changed", "switched current to 20261125T120000Z-0123456789ab\n"}
	r.ecs.Script(awsfake.TaskScript{Logs: logs, ExitCode: exit(0)})
	res, err := r.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !strings.Contains(res.TaskARN, "task/ecs-mlops/") {
		t.Errorf("result = %+v", res)
	}
	want := []string{"==> list s3://weights/model", "12 files, 3 changed", "switched current to 20261125T120000Z-0123456789ab"}
	if diff := cmp.Diff(want, r.lines); diff != "" {
		t.Errorf("streamed log lines (-want +got):\n%s", diff)
	}
	in := r.ecs.RunInputs()[0]
	got := struct {
		Cluster, Def, Container string
		Command, Subnets, SGs   []string
		Public                  ecstypes.AssignPublicIp
		Launch                  ecstypes.LaunchType
	}{aws.ToString(in.Cluster), aws.ToString(in.TaskDefinition), aws.ToString(in.Overrides.ContainerOverrides[0].Name),
		in.Overrides.ContainerOverrides[0].Command, in.NetworkConfiguration.AwsvpcConfiguration.Subnets,
		in.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, in.LaunchType}
	wantIn := got
	wantIn.Cluster, wantIn.Def, wantIn.Container = "ecs-mlops", taskDef, "weights-sync"
	wantIn.Command = []string{"sync-weights", "--source", "s3://weights/model", "--target", "/mnt/weights"}
	wantIn.Subnets, wantIn.SGs = remotetest.Subnets, []string{remotetest.SecurityGroup}
	wantIn.Public, wantIn.Launch = ecstypes.AssignPublicIpDisabled, ecstypes.LaunchTypeFargate
	if diff := cmp.Diff(wantIn, got); diff != "" {
		t.Errorf("RunTask input (-want +got):\n%s", diff)
	}
	if len(r.clock.Slept()) == 0 {
		t.Error("the wait never slept on the clock")
	}
}

func TestRemoteFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    awsfake.TaskScript
		setup     func(r *remoteRig)
		wantErr   string
		wantHint  string
		wantCode  int
		wantUsage bool
	}{
		{
			name:     "container exits non-zero",
			script:   awsfake.TaskScript{Logs: []string{"error: object \"model.bin\": SHA256 checksum mismatch"}, ExitCode: exit(1)},
			wantErr:  "container weights-sync exited with code 1: Essential container in task exited",
			wantCode: 1,
		},
		{
			name:     "container killed for memory",
			script:   awsfake.TaskScript{ExitCode: exit(137), ContainerReason: "OutOfMemoryError: Container killed due to memory usage"},
			wantErr:  "exited with code 137: OutOfMemoryError: Container killed due to memory usage; Essential container in task exited",
			wantCode: 137,
		},
		{
			name:    "no Fargate capacity (failures with HTTP 200)",
			script:  awsfake.TaskScript{RunFailure: "Capacity is unavailable at this time. Please try again later or in a different availability zone"},
			wantErr: "failed to start in cluster ecs-mlops: Capacity is unavailable",
		},
		{
			name:     "EFS mount fails",
			script:   awsfake.TaskScript{StoppedReason: "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: Failed to resolve \"fs-0123.efs.eu-west-1.amazonaws.com\""},
			wantErr:  "stopped before its container ran (TaskFailedToStart): ResourceInitializationError: failed to invoke EFS utils",
			wantHint: "TCP 2049",
		},
		{
			name:     "sync image missing from the registry",
			setup:    func(r *remoteRig) { r.ecs.AddTaskDefinition(remotetest.SyncTaskDefinition(remotetest.SyncImage + "0")) },
			wantErr:  "stopped before its container ran (TaskFailedToStart): CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref " + remotetest.SyncImage + "0",
			wantHint: "ECS cannot pull image " + remotetest.SyncImage + "0",
		},
		{
			// A PrivateSubnets output holding names, not IDs: ECS refuses
			// the task before it exists.
			name: "stack output names no subnet",
			setup: func(r *remoteRig) {
				out := remotetest.Outputs()
				out[weights.OutputSubnets] = "private-a"
				r.stacks.Put(awsfake.StackSeed{Name: remotetest.Stack, Outputs: out})
			},
			wantErr: "run weights sync task " + taskDef + " in cluster ecs-mlops: " +
				"api error InvalidParameterException: Error retrieving subnet information for [private-a]: The subnet ID 'private-a' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
		},
		{
			name:      "stack missing",
			setup:     func(r *remoteRig) { r.stacks = awsfake.NewCloudFormation(r.clock); r.remote.Stacks = r.stacks },
			wantErr:   "Stack with id ecs-mlops-ep-a does not exist",
			wantHint:  "deploy the environment first",
			wantUsage: true,
		},
		{
			name: "stack without the sync task",
			setup: func(r *remoteRig) {
				r.stacks.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Outputs: map[string]string{weights.OutputCluster: "ecs-mlops"}})
			},
			wantErr:   "has no output WeightsSyncTaskDefinition, PrivateSubnets, ServiceSecurityGroup",
			wantUsage: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRemoteRig()
			r.ecs.Script(tc.script)
			if tc.setup != nil {
				tc.setup(r)
			}
			_, err := r.run()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if got := fault.ExitCode(err); got != tc.wantCode {
				t.Errorf("exit code = %d, want %d", got, tc.wantCode)
			}
			if !strings.Contains(fault.Hint(err), tc.wantHint) {
				t.Errorf("hint = %q, want %q", fault.Hint(err), tc.wantHint)
			}
			if fault.IsUsage(err) != tc.wantUsage {
				t.Errorf("usage error = %v, want %v", fault.IsUsage(err), tc.wantUsage)
			}
		})
	}
}

func TestRemoteLogsBeforeFailureAreShown(t *testing.T) {
	t.Parallel()
	r := newRemoteRig()
	r.ecs.Script(awsfake.TaskScript{Logs: []string{"a", "b", "c", "d", "e"}, ExitCode: exit(2)})
	_, err := r.run()
	if fault.ExitCode(err) != 2 {
		t.Fatalf("error = %v, want exit code 2", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestRemoteTimeoutStopsTheTask(t *testing.T) {
	t.Parallel()
	r := newRemoteRig()
	many := make([]string, 100)
	for i := range many {
		many[i] = "working"
	}
	r.ecs.Script(awsfake.TaskScript{Logs: many, ExitCode: exit(0)})
	r.remote.Timeout = time.Minute
	_, err := r.run()
	if err == nil || !strings.Contains(err.Error(), "still RUNNING after 1m0s") {
		t.Fatalf("error = %v, want a timeout", err)
	}
	if len(r.ecs.StopInputs()) != 1 {
		t.Fatalf("StopTask calls = %d, want 1", len(r.ecs.StopInputs()))
	}
}

// TestRemoteSyncDoesNotNeedMLOpsInTheEndpointImage: a user's endpoint
// image is a Python server without /mlops. A sync task running it (what
// create-ep-a.yaml made of an empty WeightsSyncImageUri) stops before it
// starts, with ECS's reason and a hint; the task running the weight-sync
// image (what the template now always runs) syncs.
func TestRemoteSyncDoesNotNeedMLOpsInTheEndpointImage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		image    string
		wantErr  string
		wantHint string
		wantRan  bool
	}{
		{
			name:  "endpoint image",
			image: remotetest.EndpointImage,
			wantErr: "weights sync task 00000000000000000000000000000001 stopped before its container ran (TaskFailedToStart): " +
				"CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: " +
				`OCI runtime create failed: runc create failed: unable to start container process: exec: "/mlops": stat /mlops: no such file or directory: unknown`,
			wantHint: "image " + remotetest.EndpointImage + " has no /mlops, so it is not the weight-sync image; build the weight-sync image with mlops build --sync-image --push",
		},
		{name: "weight-sync image", image: remotetest.SyncImage, wantRan: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRemoteRig()
			r.ecs.AddTaskDefinition(remotetest.SyncTaskDefinition(tc.image))
			var ran []string
			r.ecs.Script(awsfake.TaskScript{Run: func(command []string) ([]string, int32) {
				ran = command
				return []string{"switched /mnt/weights/current to 20261125T120000Z-0123456789ab"}, 0
			}})
			res, err := r.run()
			if tc.wantErr == "" {
				if err != nil || res.ExitCode != 0 {
					t.Fatalf("sync: %v, %+v", err, res)
				}
			} else if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v\nwant    %s", err, tc.wantErr)
			}
			if !strings.Contains(fault.Hint(err), tc.wantHint) {
				t.Errorf("hint = %q, want %q", fault.Hint(err), tc.wantHint)
			}
			if (ran != nil) != tc.wantRan {
				t.Errorf("the container ran %q; want ran=%v", ran, tc.wantRan)
			}
		})
	}
}
