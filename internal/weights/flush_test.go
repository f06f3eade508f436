//go:build unix

package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlusherClosesEveryFileAndReportsTheFirstError(t *testing.T) {
	dir := t.TempDir()
	fl := newFlusher(4, 8)
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
	bad := newFlusher(2, 2)
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
