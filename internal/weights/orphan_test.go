//go:build unix

package weights

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/weights/pin"
)

// TestOrphanOfAKillAfterTheRename: a sync killed between publishing
// versions/<id> and switching current leaves a complete version that is
// not current. With --keep 2 the rerun must keep the real previous
// version, copy nothing the orphan already has, and leave no orphan
// taking a keep slot: it adopts the orphan when the listing is the same,
// and otherwise builds anew, linking the orphan's files, and removes it.
func TestOrphanOfAKillAfterTheRename(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		change    func(f *fakeS3, want map[string]string) // after the kill
		wantReads int
		adopted   bool
	}{
		{"same listing: adopted", func(*fakeS3, map[string]string) {}, 0, true},
		{"listing changed again: orphan's files linked", func(f *fakeS3, want map[string]string) {
			f.put("model/tokenizer/vocab", "v4 vocab")
			want["tokenizer/vocab"] = "v4 vocab"
		}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := seededAndSynced(t)
			f, s, want, target := x.f, x.s, x.want, x.target
			o := opts(target)
			o.Keep = 2
			second, orphan, v3 := makeOrphan(t, x, o)
			secondFiles := readTree(t, target+"/versions/"+second.Version)
			tc.change(f, want)
			want["config.json"], want["model.bin"] = "v2 config", v3
			f.reset()
			res, err := s.Sync(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, currentFiles(t, target)); diff != "" {
				t.Errorf("current files (-want +got):\n%s", diff)
			}
			if n := len(f.objectReads()); n != tc.wantReads {
				t.Errorf("object reads = %v, want %d: the orphan's files are not downloaded again", f.objectReads(), tc.wantReads)
			}
			if tc.adopted != (res.Adopted == orphan && res.Version == orphan) {
				t.Errorf("adopted %q, version %s; orphan %s, want adopted = %v", res.Adopted, res.Version, orphan, tc.adopted)
			}
			if diff := cmp.Diff([]string{second.Version, res.Version}, versionNames(t, target)); diff != "" {
				t.Errorf("versions after the rerun with keep 2 (-want +got):\n%s", diff)
			}
			if res.Previous != second.Version {
				t.Errorf("previous = %s, want %s", res.Previous, second.Version)
			}
			if diff := cmp.Diff(secondFiles, readTree(t, target+"/versions/"+second.Version)); diff != "" {
				t.Errorf("previous version changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPruneKeepsAPinnedVersion: with keep 1 the previous version goes at
// the switch, unless a reader has it pinned; then it stays, is reported,
// and a later sync removes it.
func TestPruneKeepsAPinnedVersion(t *testing.T) {
	t.Parallel()
	x := seededAndSynced(t)
	o := opts(x.target)
	o.Keep = 1
	_, release, err := pin.Current(x.target)
	if err != nil {
		t.Fatal(err)
	}
	x.f.put("model/config.json", "v2")
	res, err := x.s.Sync(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{x.first.Version}, res.InUse); diff != "" {
		t.Errorf("in use (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{x.first.Version, res.Version}, versionNames(t, x.target)); diff != "" {
		t.Errorf("versions while pinned (-want +got):\n%s", diff)
	}
	release()
	x.f.put("model/config.json", "v3")
	res3, err := x.s.Sync(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{res3.Version}, versionNames(t, x.target)); diff != "" {
		t.Errorf("versions after release (-want +got):\n%s", diff)
	}
}

// makeOrphan syncs a second version, then kills a third sync (model.bin
// changed to the returned content) between its rename and its switch,
// which leaves the third version as an orphan.
func makeOrphan(t *testing.T, x synced, o Options) (second *Result, orphan, v3 string) {
	t.Helper()
	f, s, target := x.f, x.s, x.target
	x.f.put("model/config.json", "v2 config")
	second, err := s.Sync(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	v3 = big("v3", 200<<10)
	f.put("model/model.bin", v3, sha256b64(v3))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	killed := &Syncer{S3: f.client, Clock: s.Clock, stage: func(name string) {
		if name == "renamed" {
			cancel()
		}
	}}
	if _, err := killed.Sync(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed sync: %v", err)
	}
	for _, n := range versionNames(t, target) {
		if n > second.Version {
			orphan = n
		}
	}
	if orphan == "" {
		t.Fatalf("no orphan version after the kill: %v", versionNames(t, target))
	}
	return second, orphan, v3
}

// TestDryRunReportsOrphans: a dry run says which orphan version the sync
// would adopt, or remove after linking its files (downloading only what
// it lacks), and touches nothing.
func TestDryRunReportsOrphans(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		change      bool // change the listing again after the kill
		wantAdopted bool
		wantLines   []string
	}{
		{name: "same listing", wantAdopted: true, wantLines: []string{
			"dry run: would switch {target}/current to {orphan}, which an interrupted sync published holding exactly s3://weights/model (current: {current})",
			"would download 0 B",
			"would adopt {orphan}: an interrupted sync had published it, holding exactly this listing, without switching to it",
		}},
		{name: "listing changed", change: true, wantLines: []string{
			"dry run: would build a new version in {target} from s3://weights/model (current: {current})",
			"would download 8 B",
			"would remove leftovers of an interrupted sync: versions/{orphan}",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := seededAndSynced(t)
			o := opts(x.target)
			o.Keep = 2
			second, orphan, _ := makeOrphan(t, x, o)
			if tc.change {
				x.f.put("model/tokenizer/vocab", "v4 vocab")
			}
			before := snapshot(t, x.target)
			o.DryRun = true
			res, err := x.s.Sync(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, snapshot(t, x.target)); diff != "" {
				t.Errorf("dry run changed the target (-before +after):\n%s", diff)
			}
			if got := res.Adopted == orphan; got != tc.wantAdopted {
				t.Errorf("adopted = %q, orphan %s, want adopted %v", res.Adopted, orphan, tc.wantAdopted)
			}
			text := res.Text()
			r := strings.NewReplacer("{target}", x.target, "{orphan}", orphan, "{current}", second.Version)
			for _, l := range tc.wantLines {
				if want := r.Replace(l); !strings.Contains(text, want+"\n") {
					t.Errorf("dry run output lacks %q:\n%s", want, text)
				}
			}
		})
	}
}
