package event

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
)

// addFixtures seeds f with every payload of internal/fixtures; the corpus
// in testdata/fuzz holds the edge cases found since.
func addFixtures(f *testing.F, add func(name string, data []byte)) {
	f.Helper()
	for _, file := range fixtures.GitHubEventNames() {
		data, err := fixtures.GitHubEvent(file)
		if err != nil {
			f.Fatal(err)
		}
		name, _, _ := strings.Cut(file, ".")
		add(name, data)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts has
// the repository every routing rule reads.
func FuzzParse(f *testing.F) {
	addFixtures(f, func(_ string, data []byte) { f.Add(data) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "event file fuzz.json: ") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if p.Repository == nil || p.Repository.FullName == "" {
			t.Errorf("Parse accepted a payload without a repository: %s", data)
		}
	})
}

// FuzzDecide checks the routing invariants on any payload: a known action,
// always a reason, never a preview or deploy for a fork, and a decision that
// survives its own JSON round trip.
func FuzzDecide(f *testing.F) {
	addFixtures(f, func(name string, data []byte) { f.Add(name, data) })
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		p, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		d, err := Decide(name, p, repoRules)
		if err != nil {
			return
		}
		known := []string{ActionDeploy, ActionPreviewUp, ActionPreviewDown, ActionSyncWeights, ActionNone}
		if !slices.Contains(known, d.Action) {
			t.Errorf("unknown action %q", d.Action)
		}
		if d.Reason == "" {
			t.Errorf("decision %+v has no reason", d)
		}
		if pr := p.PullRequest; pr != nil && name == "pull_request" && d.Action != ActionNone {
			if pr.Head.Repo == nil || pr.Base.Repo == nil || !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName) {
				t.Errorf("fork pull request got %q", d.Action)
			}
		}
		if d.Action == ActionDeploy && (p.Repository.DefaultBranch == "" || d.Ref != "refs/heads/"+p.Repository.DefaultBranch) {
			t.Errorf("deploy of %q, default branch %q", d.Ref, p.Repository.DefaultBranch)
		}
		if (d.Action == ActionNone) != (d.Environment == "") {
			t.Errorf("action %q with environment %q", d.Action, d.Environment)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Decision
		if err := json.Unmarshal(out, &back); err != nil || back.Action != d.Action || back.Reason != d.Reason {
			t.Errorf("decision does not round-trip: %s (%v)", out, err)
		}
	})
}
