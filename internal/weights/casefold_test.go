//go:build unix

package weights

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// TestKeysThatDifferOnlyInCase: on a case-insensitive target the two
// objects would be one file, so the sync is refused at listing (exit 2,
// both keys named, nothing read or written); on a case-sensitive one both
// files are placed, with a warning.
func TestKeysThatDifferOnlyInCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		keys        []string
		insensitive bool
		wantErr     string
		wantWarn    string
	}{
		{name: "same name, insensitive", keys: []string{"Model.bin", "model.bin"}, insensitive: true,
			wantErr: `object keys "Model.bin" and "model.bin" differ only in case, and the file system of `},
		{name: "file and folder, insensitive", keys: []string{"Tok", "tok/vocab"}, insensitive: true,
			wantErr: `object key "Tok" and the folder of object key "tok/vocab" differ only in case`},
		{name: "non-ASCII, insensitive", keys: []string{"Ünet.bin", "ünet.bin"}, insensitive: true,
			wantErr: `object keys "Ünet.bin" and "ünet.bin" differ only in case`},
		{name: "same name, sensitive", keys: []string{"Model.bin", "model.bin"},
			wantWarn: `object keys "Model.bin" and "model.bin" differ only in case; a copy of this version on a case-insensitive file system would lose one`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := seededAndSynced(t)
			for _, k := range tc.keys {
				x.f.put("model/"+k, "bytes of "+k)
				x.want[k] = "bytes of " + k
			}
			x.s.caseInsensitive = func(string, bool) (bool, error) { return tc.insensitive, nil }
			x.f.reset()
			before := snapshot(t, x.target)
			res, err := x.s.Sync(context.Background(), opts(x.target))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !fault.IsUsage(err) {
					t.Fatalf("error = %v, want a usage error (exit 2) containing %q", err, tc.wantErr)
				}
				if reads := x.f.objectReads(); len(reads) > 0 {
					t.Errorf("objects read before the refusal: %v", reads)
				}
				if diff := cmp.Diff(before, snapshot(t, x.target)); diff != "" {
					t.Errorf("target changed (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(x.want, currentFiles(t, x.target)); diff != "" {
				t.Errorf("current files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.wantWarn}, res.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCaseInsensitiveProbe: the probe looks an entry up with its case
// swapped. A second hard link under the swapped name stands in for a
// case-insensitive directory, where the lookup finds the same file.
func TestCaseInsensitiveProbe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(t *testing.T, target string)
		dryRun bool
		want   bool
	}{
		{name: "empty target", setup: func(*testing.T, string) {}},
		{name: "empty target, dry run", setup: func(*testing.T, string) {}, dryRun: true},
		{name: "missing target", setup: func(t *testing.T, target string) { rm(t, target) }},
		{name: "distinct entries", setup: func(t *testing.T, target string) {
			write(t, filepath.Join(target, "versions", "abc"))
			write(t, filepath.Join(target, "versions", "ABC"))
		}},
		{name: "swapped name finds the same file", setup: func(t *testing.T, target string) {
			write(t, filepath.Join(target, "versions", "abc"))
			if err := os.Link(filepath.Join(target, "versions", "abc"), filepath.Join(target, "versions", "ABC")); err != nil {
				t.Fatal(err)
			}
		}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := filepath.Join(t.TempDir(), "weights")
			if err := os.Mkdir(target, 0o755); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, target)
			// Creating and removing a probe file moves the directory's
			// mtime; no entry may be left.
			before := entryNames(t, filepath.Dir(target))
			got, err := caseInsensitive(target, tc.dryRun)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("case-insensitive = %v, want %v", got, tc.want)
			}
			if diff := cmp.Diff(before, entryNames(t, filepath.Dir(target))); diff != "" {
				t.Errorf("the probe left entries behind (-before +after):\n%s", diff)
			}
		})
	}
}

func write(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

func entryNames(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		out = append(out, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
