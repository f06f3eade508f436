package awsfake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// row is a stack summary as the tests compare it.
type row struct {
	Name, Status             string
	Created, Updated, Delete time.Time
}

func listAll(t *testing.T, f *CloudFormation, filter []types.StackStatus) ([]row, int) {
	t.Helper()
	var out []row
	pages := 0
	p := cloudformation.NewListStacksPaginator(f, &cloudformation.ListStacksInput{StackStatusFilter: filter})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.StackSummaries {
			if aws.ToString(s.StackId) == "" {
				t.Errorf("%s has no StackId", aws.ToString(s.StackName))
			}
			out = append(out, row{aws.ToString(s.StackName), string(s.StackStatus), aws.ToTime(s.CreationTime), aws.ToTime(s.LastUpdatedTime), aws.ToTime(s.DeletionTime)})
		}
	}
	return out, pages
}

// TestListStacks: summaries come page by page with NextToken; a deleted
// stack is listed DELETE_COMPLETE, with its DeletionTime, for 90 days
// (also beside a new stack of the same name) unless the filter leaves that
// status out; an update sets LastUpdatedTime.
func TestListStacks(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	f := NewCloudFormation(clk)
	f.StackPageSize = 2
	tpl, err := cfn.ParseTemplate("t.yaml", []byte(outputsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ep-a", "ep-b-pr-1", "ep-b-pr-2"} {
		f.Put(StackSeed{Name: n, Template: tpl, Params: map[string]string{"Host": n}})
	}
	f.Put(StackSeed{Name: "old", Created: t0.Add(-48 * time.Hour), LastUpdated: t0.Add(-24 * time.Hour)})
	clk.Advance(time.Hour)
	ctx := context.Background()
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("ep-b-pr-1")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if s := f.Status("ep-b-pr-1"); s != "" {
		t.Fatalf("ep-b-pr-1 is %s a minute after its deletion", s)
	}
	f.Put(StackSeed{Name: "ep-b-pr-1"}) // a new stack of the old one's name
	update(t, f, clk, "ep-b-pr-2")
	deleted := t0.Add(time.Hour)
	updated := t0.Add(time.Hour + time.Minute + 5*time.Second) // ExecuteChangeSet
	want := []row{
		{"ep-a", "CREATE_COMPLETE", t0, time.Time{}, time.Time{}},
		{"ep-b-pr-1", "CREATE_COMPLETE", t0.Add(time.Hour + time.Minute), time.Time{}, time.Time{}},
		{"ep-b-pr-1", "DELETE_COMPLETE", t0, time.Time{}, deleted},
		{"ep-b-pr-2", "UPDATE_COMPLETE", t0, updated, time.Time{}},
		{"old", "CREATE_COMPLETE", t0.Add(-48 * time.Hour), t0.Add(-24 * time.Hour), time.Time{}},
	}
	got, pages := listAll(t, f, nil)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListStacks (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3 of at most 2", pages)
	}
	liveRows := append(append([]row{}, want[:2]...), want[3:]...)
	if got, _ := listAll(t, f, cfn.LiveStatuses()); !cmp.Equal(liveRows, got) {
		t.Errorf("ListStacks of live statuses (-want +got):\n%s", cmp.Diff(liveRows, got))
	}
	st, err := f.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("ep-b-pr-2")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToTime(st.Stacks[0].LastUpdatedTime); !got.Equal(updated) {
		t.Errorf("DescribeStacks LastUpdatedTime = %v, want %v", got, updated)
	}
	clk.Advance(90 * 24 * time.Hour)
	if got, _ := listAll(t, f, nil); len(got) != 4 {
		t.Errorf("after 90 days ListStacks = %+v, want the deleted stack gone", got)
	}
}

// update adds a resource to the stack through an executed change set.
func update(t *testing.T, f *CloudFormation, clk *clock.Fake, name string) {
	t.Helper()
	ctx := context.Background()
	body := outputsTemplate
	body = strings.Replace(body, "Resources:\n", "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n", 1)
	_, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("cs"),
		ChangeSetType: types.ChangeSetTypeUpdate, TemplateBody: aws.String(body),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Host"), ParameterValue: aws.String(name)}}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("cs")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	if s := f.Status(name); s != types.StackStatusUpdateComplete {
		t.Fatalf("%s is %s after the update", name, s)
	}
}

// A deletion whose final event is lost still lists the stack once.
func TestListStacksLostFinalEvent(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := NewCloudFormation(clk)
	f.LoseFinalEvent = true
	f.Put(StackSeed{Name: "ep-b-pr-3"})
	if _, err := f.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String("ep-b-pr-3")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	got, _ := listAll(t, f, nil)
	if len(got) != 1 || got[0].Status != "DELETE_COMPLETE" {
		t.Errorf("ListStacks = %+v, want ep-b-pr-3 once, DELETE_COMPLETE", got)
	}
}
