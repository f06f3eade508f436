package preview_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

var _ preview.CloudFormationAPI = (*awsfake.CloudFormation)(nil)

// previewRolePolicy is the preview role's CloudFormation statements as
// bootstrap.yaml grants them (stack prefix ep-b-pr-, endpoint A ep-a): it
// may describe preview stacks and A's, delete only stacks tagged as
// previews, and list stacks; DescribeStacks without a name is denied.
const previewRolePolicy = `{"Statement":[
 {"Effect":"Allow","Action":["cloudformation:DescribeStacks","cloudformation:DescribeStackEvents","cloudformation:DescribeStackResources"],
  "Resource":"arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-b-pr-*/*"},
 {"Effect":"Allow","Action":["cloudformation:DeleteStack"],"Resource":"arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-b-pr-*/*",
  "Condition":{"StringEquals":{"aws:ResourceTag/mlops:preview":"true"}}},
 {"Effect":"Allow","Action":"cloudformation:DescribeStacks","Resource":"arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-a/*"},
 {"Effect":"Allow","Action":"cloudformation:ListStacks","Resource":"*"}]}`

// previewRole is the account's CloudFormation as the preview role sees it.
func previewRole(t *testing.T, cf *awsfake.CloudFormation) *awsfake.GatedCloudFormation {
	t.Helper()
	gate, err := iampolicy.NewGate("arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/gc", previewRolePolicy)
	if err != nil {
		t.Fatal(err)
	}
	return &awsfake.GatedCloudFormation{CloudFormation: cf, Gate: gate}
}

// TestGCTTL: gc removes previews whose pull request is closed and previews
// not deployed for longer than the TTL, counted from LastUpdatedTime, else
// CreationTime; an open, recent one stays. It lists with ListStacks and
// describes only stacks under the preview prefix, as the preview role may.
func TestGCTTL(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	type preview_ struct {
		pr               int
		state            string // "" → the pull request cannot be read (404)
		created, updated time.Duration
	}
	previews := []preview_{
		{pr: 5, state: "open", created: 8 * day},
		{pr: 6, state: "open", created: 30 * day, updated: 30 * time.Hour},
		{pr: 7, state: "open", created: 2 * time.Hour},
		{pr: 8, state: "closed", created: time.Hour},
		{pr: 9, created: 10 * day},
		{pr: 10, created: time.Hour},
	}
	tests := []struct {
		name string
		ttl  time.Duration
		want []preview.GCEntry
	}{
		{"default TTL of 7 days", 0, []preview.GCEntry{
			{PR: 5, Stack: "ep-b-pr-5", Action: "removed", Reason: "older than the TTL of 7d: last deployed 8d ago"},
			{PR: 6, Stack: "ep-b-pr-6", Action: "kept", Reason: "pull request is open; last deployed 1d6h ago (TTL 7d)"},
			{PR: 7, Stack: "ep-b-pr-7", Action: "kept", Reason: "pull request is open; last deployed 2h ago (TTL 7d)"},
			{PR: 8, Stack: "ep-b-pr-8", Action: "removed", Reason: "pull request is closed"},
			{PR: 9, Stack: "ep-b-pr-9", Action: "removed", Reason: "older than the TTL of 7d: last deployed 10d ago"},
			{PR: 10, Stack: "ep-b-pr-10", Action: "failed", Reason: "read pull request #10: GET {api}/repos/octo/models/pulls/10: 404 Not Found []"},
		}},
		{"TTL of 36 hours", 36 * time.Hour, []preview.GCEntry{
			{PR: 5, Stack: "ep-b-pr-5", Action: "removed", Reason: "older than the TTL of 1d12h: last deployed 8d ago"},
			{PR: 6, Stack: "ep-b-pr-6", Action: "kept", Reason: "pull request is open; last deployed 1d6h ago (TTL 1d12h)"},
			{PR: 7, Stack: "ep-b-pr-7", Action: "kept", Reason: "pull request is open; last deployed 2h ago (TTL 1d12h)"},
			{PR: 8, Stack: "ep-b-pr-8", Action: "removed", Reason: "pull request is closed"},
			{PR: 9, Stack: "ep-b-pr-9", Action: "removed", Reason: "older than the TTL of 1d12h: last deployed 10d ago"},
			{PR: 10, Stack: "ep-b-pr-10", Action: "failed", Reason: "read pull request #10: GET {api}/repos/octo/models/pulls/10: 404 Not Found []"},
		}},
		{"TTL of 1 day", day, []preview.GCEntry{
			{PR: 5, Stack: "ep-b-pr-5", Action: "removed", Reason: "older than the TTL of 1d: last deployed 8d ago"},
			{PR: 6, Stack: "ep-b-pr-6", Action: "removed", Reason: "older than the TTL of 1d: last deployed 1d6h ago"},
			{PR: 7, Stack: "ep-b-pr-7", Action: "kept", Reason: "pull request is open; last deployed 2h ago (TTL 1d)"},
			{PR: 8, Stack: "ep-b-pr-8", Action: "removed", Reason: "pull request is closed"},
			{PR: 9, Stack: "ep-b-pr-9", Action: "removed", Reason: "older than the TTL of 1d: last deployed 10d ago"},
			{PR: 10, Stack: "ep-b-pr-10", Action: "failed", Reason: "read pull request #10: GET {api}/repos/octo/models/pulls/10: 404 Not Found []"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			r.life.TTL = tt.ttl
			r.life.Stacks.CFN = previewRole(t, r.cfn)
			now := r.life.Clock.Now()
			for _, p := range previews {
				n := fmt.Sprint(p.pr)
				seed := awsfake.StackSeed{Name: "ep-b-pr-" + n, Tags: map[string]string{"mlops:preview": "true", "mlops:pr": n}, Created: now.Add(-p.created)}
				if p.updated > 0 {
					seed.LastUpdated = now.Add(-p.updated)
				}
				r.cfn.Put(seed)
				if p.state != "" {
					r.gh.SetPRState("octo/models", p.pr, p.state)
				}
			}
			// Tagged as a preview but outside the prefix: the preview role
			// may not describe it, so gc must not try.
			r.cfn.Put(awsfake.StackSeed{Name: "other-pr-11", Tags: map[string]string{"mlops:preview": "true", "mlops:pr": "11"}, Created: now.Add(-60 * day)})
			got, err := r.life.GC(context.Background())
			want := append([]preview.GCEntry(nil), tt.want...)
			for i := range want {
				want[i].Reason = strings.ReplaceAll(want[i].Reason, "{api}", r.gh.APIURL())
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GC (-want +got):\n%s", diff)
			}
			if err == nil || err.Error() != "preview gc: 1 preview(s) could not be checked or removed: ep-b-pr-10" {
				t.Errorf("GC error = %v", err)
			}
			for _, e := range got {
				if _, exists := r.cfn.Stack(e.Stack); exists != (e.Action != "removed") {
					t.Errorf("stack %s exists = %v after %s", e.Stack, exists, e.Action)
				}
			}
			if _, ok := r.cfn.Stack("other-pr-11"); !ok {
				t.Error("gc removed other-pr-11, outside the preview prefix")
			}
			var ttlNotes int
			for _, c := range r.commenter.Updates() {
				if strings.Contains(c, "longer than its TTL") {
					ttlNotes++
				}
			}
			if removedByTTL := strings.Count(fmt.Sprint(got), "older than the TTL"); ttlNotes != removedByTTL {
				t.Errorf("%d comments name the TTL, want one per preview removed by it (%d)", ttlNotes, removedByTTL)
			}
		})
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0m", 59 * time.Second: "1m", 90 * time.Minute: "1h30m", 3 * time.Hour: "3h",
		7 * 24 * time.Hour: "7d", 36 * time.Hour: "1d12h", -time.Hour: "0m",
	} {
		if got := preview.Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}
