package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// version writes versions/<id>/ under root with model.json and a manifest
// that records its size and sha256, the way the weight sync lays them out.
func writeVersion(t *testing.T, root, id string, m Model) string {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return writeRaw(t, root, id, data, nil)
}

// writeRaw writes a version whose model bytes are data; manifest, when not
// nil, replaces the manifest that would match data.
func writeRaw(t *testing.T, root, id string, data, manifest []byte) string {
	t.Helper()
	dir := filepath.Join(root, "versions", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if data != nil {
		if err := os.WriteFile(filepath.Join(dir, ModelFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if manifest == nil {
		sum := sha256.Sum256(data)
		manifest, _ = json.Marshal(Manifest{Version: id, Source: "s3://weights/endpoint", Files: []FileEntry{{Key: ModelFile, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}}})
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// switchTo points root/current at versions/id with an atomic rename, as the
// weight sync does.
func switchTo(t testing.TB, root, id string) {
	t.Helper()
	tmp := filepath.Join(root, "current.tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Join("versions", id), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(root, CurrentLink)); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log sink safe for the watcher goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T, root string) (*Store, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	return NewStore(root, clock.NewFake(start), slog.New(slog.NewTextHandler(logs, nil))), logs
}

// do sends one request to h and returns status and decoded JSON body.
func do(t testing.TB, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, "http://endpoint"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body.String(), err)
	}
	return rec.Code, out
}

func newLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
