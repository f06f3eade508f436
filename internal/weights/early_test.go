package weights

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEarlyManifestReadYieldsToASwitch: the manifest read while the listing
// was in flight is used only if current still names the same version once
// the lock is held; after another sync switched current it is read again,
// so the plan never links files from a version current no longer names.
func TestEarlyManifestReadYieldsToASwitch(t *testing.T) {
	t.Parallel()
	l := Layout{Root: t.TempDir()}
	for _, id := range []string{"v1", "v2"} {
		if err := os.MkdirAll(l.Version(id), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeManifest(l.Version(id), &Manifest{Version: id, Files: []File{{Key: id + ".bin"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join("versions", "v1"), l.Current()); err != nil {
		t.Fatal(err)
	}
	early := <-l.readCurrentAsync()
	if early.id != "v1" || early.m == nil || early.m.Version != "v1" {
		t.Fatalf("early read = %+v, want the manifest of v1", early)
	}
	for _, tc := range []struct{ current, want string }{{"v1", "v1"}, {"v2", "v2"}} {
		m, err := early.manifest(l, tc.current)
		if err != nil || m == nil || m.Version != tc.want || m.Files[0].Key != tc.want+".bin" {
			t.Errorf("with current at %s: manifest = %+v, %v; want the manifest of %s", tc.current, m, err, tc.want)
		}
	}
	if err := os.Remove(filepath.Join(l.Version("v1"), ManifestName)); err != nil {
		t.Fatal(err)
	}
	if m, err := early.manifest(l, "v1"); err != nil || m == nil || m.Version != "v1" {
		t.Errorf("same version: manifest = %+v, %v; want the early read (a published version does not change)", m, err)
	}
}
