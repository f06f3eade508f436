package preview_test

import (
	"context"
	"testing"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

// The ECR fake, plain and as a role, answers every call preview makes.
var (
	_ preview.ECRAPI = (*awsfake.ECR)(nil)
	_ preview.ECRAPI = (*awsfake.GatedECR)(nil)
)

func TestDownRemovesEverythingOfThePR(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.life.Up(ctx, preview.UpRequest{PR: 2, SHA: sha}); err != nil {
		t.Fatal(err)
	}
	// Images of other PRs (pr-20-, pr-3-) and of main must stay.
	for _, tag := range []string{"pr-2-aaaa", "pr-20-bbbb", "pr-3-cccc", "main-dddd"} {
		r.push(t, tag)
	}
	before := len(r.writes())
	res, err := r.life.Down(ctx, 2, "Label removed.")
	if err != nil {
		t.Fatal(err)
	}
	want := &preview.DownResult{Stack: "ep-b-pr-2", StackFound: true, Images: []string{"pr-2-aaaa", "pr-2-" + sha}, Deployments: 1}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Down (-want +got):\n%s", diff)
	}
	if _, ok := r.cfn.Stack("ep-b-pr-2"); ok {
		t.Error("stack ep-b-pr-2 still exists")
	}
	if diff := cmp.Diff([]string{"main-dddd", "pr-20-bbbb", "pr-3-cccc"}, r.tags()); diff != "" {
		t.Errorf("images left (-want +got):\n%s", diff)
	}
	// The stack's listener rule went with it.
	if diff := cmp.Diff([]int{1, 2}, r.elb.Priorities(listenerARN)); diff != "" {
		t.Errorf("listener rules (-want +got):\n%s", diff)
	}
	wantWrites := []call{{Method: "POST", Path: "/repos/octo/models/deployments/1/statuses", Body: map[string]any{"state": "inactive", "log_url": runURL}}}
	if diff := cmp.Diff(wantWrites, r.writes()[before:]); diff != "" {
		t.Errorf("GitHub writes (-want +got):\n%s", diff)
	}
	ups := r.commenter.Updates()
	golden.Check(t, "down-removed.md", ups[len(ups)-1])

	// Again: nothing left, nothing written, no comment.
	writes, comments := len(r.writes()), len(ups)
	res, err = r.life.Down(ctx, 2, "Label removed.")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Gone() || res.Summary() != "The preview ep-b-pr-2 was already gone; nothing to remove." {
		t.Errorf("second Down = %+v (%s), want already gone", res, res.Summary())
	}
	if len(r.writes()) != writes || len(r.commenter.Updates()) != comments {
		t.Error("second Down wrote to GitHub")
	}
}

// Every deployment of the environment goes inactive, across pages.
func TestDownDeactivatesAllDeployments(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := r.life.Up(ctx, preview.UpRequest{PR: 2, SHA: sha, Image: "img:" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := r.life.Down(ctx, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Deployments != 3 {
		t.Errorf("deactivated %d deployments, want 3", res.Deployments)
	}
}

func TestDownRefusesUntaggedStack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tags map[string]string
	}{
		{"no tags", nil},
		{"another PR's preview", map[string]string{"mlops:preview": "true", "mlops:pr": "3"}},
		{"PR tag without preview tag", map[string]string{"mlops:pr": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			r.cfn.Put(awsfake.StackSeed{Name: "ep-b-pr-2", Tags: tt.tags})
			r.push(t, "pr-2-aaaa")
			_, err := r.life.Down(context.Background(), 2, "")
			want := `stack "ep-b-pr-2" is not tagged mlops:preview=true, mlops:pr=2; refusing to delete a stack that is not this pull request's preview`
			if err == nil || err.Error() != want {
				t.Fatalf("Down error = %v, want %q", err, want)
			}
			if _, ok := r.cfn.Stack("ep-b-pr-2"); !ok || len(r.cfn.Deleted()) != 0 {
				t.Error("the stack was deleted")
			}
			if len(r.tags()) != 1 || len(r.writes()) != 0 {
				t.Error("images deleted or GitHub written after the refusal")
			}
		})
	}
}

func TestDownReportsDeleteFailed(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if _, err := r.life.Up(context.Background(), preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"}); err != nil {
		t.Fatal(err)
	}
	r.cfn.FailDelete = "The following resource(s) failed to delete: [ListenerRule]. "
	_, err := r.life.Down(context.Background(), 2, "")
	want := `delete stack "ep-b-pr-2": DELETE_FAILED; see its events in the CloudFormation console, then run mlops preview down again`
	if err == nil || err.Error() != want {
		t.Fatalf("Down error = %v, want %q", err, want)
	}
}

func TestImagesMissingRepository(t *testing.T) {
	t.Parallel()
	f := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	f.AddRepo("other", ecrtypes.ImageTagMutabilityMutable)
	im := &preview.Images{ECR: f, Repository: "ecs-mlops"}
	got, err := im.DeleteTagged(context.Background(), "pr-2-")
	if err != nil || len(got) != 0 {
		t.Errorf("DeleteTagged = %v, %v; want nothing deleted and no error", got, err)
	}
}

func TestImagesDeleteInBatchesOf100(t *testing.T) {
	t.Parallel()
	f := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	f.AddRepo("ecs-mlops", ecrtypes.ImageTagMutabilityMutable)
	f.ListPageSize = 1000 // one page holds more than one BatchDeleteImage takes
	for i := range 250 {
		if err := f.PushTag("ecs-mlops", "pr-9-"+string(rune('a'+i/26))+string(rune('a'+i%26))); err != nil {
			t.Fatal(err)
		}
	}
	im := &preview.Images{ECR: f, Repository: "ecs-mlops"}
	got, err := im.DeleteTagged(context.Background(), "pr-9-")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || len(f.Tags("ecs-mlops")) != 0 {
		t.Errorf("deleted %d, %d left; want 250 deleted, none left", len(got), len(f.Tags("ecs-mlops")))
	}
}

func TestGC(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	for _, pr := range []int{1, 2, 3, 4} {
		if _, err := r.life.Up(ctx, preview.UpRequest{PR: pr, SHA: sha, Image: "img"}); err != nil {
			t.Fatal(err)
		}
	}
	// Stacks gc must not touch: not previews, or not tagged as one.
	r.cfn.Put(awsfake.StackSeed{Name: "ep-b", Tags: map[string]string{"mlops:pr": "1"}})
	r.cfn.Put(awsfake.StackSeed{Name: "ep-b-pr-9", Tags: map[string]string{"mlops:preview": "false", "mlops:pr": "9"}})
	for pr, state := range map[int]string{1: "closed", 2: "open", 3: "closed"} { // 4: 404
		r.gh.SetPRState("octo/models", pr, state)
	}
	got, err := r.life.GC(ctx)
	want := []preview.GCEntry{
		{PR: 1, Stack: "ep-b-pr-1", Action: "removed", Reason: "pull request is closed"},
		{PR: 2, Stack: "ep-b-pr-2", Action: "kept", Reason: "pull request is open; last deployed 6m ago (TTL 7d)"},
		{PR: 3, Stack: "ep-b-pr-3", Action: "removed", Reason: "pull request is closed"},
		{PR: 4, Stack: "ep-b-pr-4", Action: "failed", Reason: "read pull request #4: GET " + r.gh.APIURL() + "/repos/octo/models/pulls/4: 404 Not Found []"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GC (-want +got):\n%s", diff)
	}
	if err == nil || err.Error() != "preview gc: 1 preview(s) could not be checked or removed: ep-b-pr-4" {
		t.Errorf("GC error = %v", err)
	}
	for name, wantExists := range map[string]bool{"ep-a": true, "ep-b": true, "ep-b-pr-9": true, "ep-b-pr-1": false, "ep-b-pr-2": true, "ep-b-pr-3": false, "ep-b-pr-4": true} {
		if _, ok := r.cfn.Stack(name); ok != wantExists {
			t.Errorf("stack %s exists = %v, want %v", name, ok, wantExists)
		}
	}
}
