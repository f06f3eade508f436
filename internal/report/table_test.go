package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTable(t *testing.T) {
	t.Parallel()
	tb := &Table{Header: []string{"Action", "Resource"}}
	tb.AddRow("Modify", "Service|x")
	tb.AddRow("Add", "line\nbreak")
	wantMD := "| Action | Resource |\n| --- | --- |\n| Modify | Service\\|x |\n| Add | line break |\n"
	if diff := cmp.Diff(wantMD, tb.Markdown()); diff != "" {
		t.Errorf("Markdown() (-want +got):\n%s", diff)
	}
	wantText := "Action  Resource\nModify  Service|x\nAdd     line\nbreak\n"
	if diff := cmp.Diff(wantText, tb.Text()); diff != "" {
		t.Errorf("Text() (-want +got):\n%s", diff)
	}
}
