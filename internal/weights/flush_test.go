//go:build unix

package weights

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFlusherClosesEveryFileAndReportsTheFirstError(t *testing.T) {
	dir := t.TempDir()
	fl := newFlusher(4, 8, nil)
	var files []*os.File
	for i := range 50 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%02d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("weights"); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		fl.add(f)
	}
	if err := fl.wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
	for _, f := range files {
		if _, err := f.Write([]byte("x")); err == nil {
			t.Fatalf("%s is still open after wait", f.Name())
		}
	}
	if err := fl.wait(); err != nil {
		t.Fatalf("second wait: %v", err)
	}

	// A file that cannot be fsynced fails the flush, and the sync with it.
	bad := newFlusher(2, 2, nil)
	f, err := os.Create(filepath.Join(dir, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	bad.add(f)
	if err := bad.wait(); err == nil || !strings.Contains(err.Error(), "fsync "+f.Name()) {
		t.Fatalf("wait = %v, want an fsync error naming %s", err, f.Name())
	}
}

// TestFsyncErrorPublishesNothing: a file the disk cannot flush fails the
// sync; current stays, nothing is left behind, no file stays open.
func TestFsyncErrorPublishesNothing(t *testing.T) {
	t.Parallel()
	x := seededAndSynced(t)
	x.f.put("model/config.json", "v2 config")
	x.f.put("model/extra.bin", "v2 extra")
	eio := errors.New("input/output error")
	s := &Syncer{S3: x.f.client, Clock: x.s.Clock, fsync: func(f *os.File) error {
		if strings.HasSuffix(f.Name(), "extra.bin") {
			return eio
		}
		return f.Sync()
	}}
	_, err := s.Sync(context.Background(), opts(x.target))
	if !errors.Is(err, eio) || !strings.Contains(err.Error(), "fsync ") || !strings.Contains(err.Error(), "extra.bin") {
		t.Fatalf("sync error = %v, want the fsync error naming extra.bin", err)
	}
	if diff := cmp.Diff(x.want, currentFiles(t, x.target)); diff != "" {
		t.Errorf("current changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{x.first.Version}, versionNames(t, x.target)); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if open := openUnder(t, x.target); len(open) > 0 {
		t.Errorf("files still open: %v", open)
	}
}
