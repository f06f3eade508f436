package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// scale returns a linear model whose prediction is k·x, so an answer tells
// which version computed it.
func scale(k float64) Model {
	return Model{Kind: KindLinear, Features: []string{"x"}, Coefficients: []float64{k}}
}

func TestSwitchUnderLoadNeverErrorsOrMixes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	factor := map[string]float64{"v1": 1, "v2": 2}
	for id, k := range factor {
		writeVersion(t, root, id, scale(k))
	}
	switchTo(t, root, "v1")
	s, _ := newStore(t, root)
	if _, err := s.Check(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(s, "test", s.log))
	defer srv.Close()

	// A batch of 16 instances per request: if one answer mixed two
	// versions, some prediction would not equal factor[version]·x.
	var instances []map[string]float64
	for i := range 16 {
		instances = append(instances, map[string]float64{"x": float64(i + 1)})
	}
	body, _ := json.Marshal(PredictRequest{Instances: instances})

	ctx, stop := context.WithCancel(context.Background())
	var (
		wg       sync.WaitGroup
		requests atomic.Int64
		seen     sync.Map
		errs     = make(chan error, 64)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := predictOnce(srv.URL, body, factor, &seen); err != nil {
					errs <- err
					return
				}
				requests.Add(1)
			}
		}()
	}
	switches := 0
	for i := 0; switches < 200 || requests.Load() < 2000; i++ {
		id := []string{"v2", "v1"}[i%2]
		switchTo(t, root, id)
		changed, err := s.Check()
		if err != nil || !changed {
			t.Fatalf("switch %d to %s: changed=%v err=%v", i, id, changed, err)
		}
		switches++
		if len(errs) > 0 {
			break
		}
	}
	stop()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range []string{"v1", "v2"} {
		if _, ok := seen.Load(id); !ok {
			t.Errorf("no answer came from %s over %d requests and %d switches", id, requests.Load(), switches)
		}
	}
}

func predictOnce(url string, body []byte, factor map[string]float64, seen *sync.Map) error {
	resp, err := http.Post(url+"/api/v1/predict/", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("request failed during a switch: %w", err)
	}
	defer resp.Body.Close()
	var got PredictResponse
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d during a switch (decode error %v)", resp.StatusCode, err)
	}
	k, ok := factor[got.WeightsVersion]
	if !ok {
		return fmt.Errorf("answer names unknown version %q", got.WeightsVersion)
	}
	seen.Store(got.WeightsVersion, true)
	for i, p := range got.Predictions {
		if want := k * float64(i+1); p.Value != want {
			return fmt.Errorf("mixed answer: version %s predicted %v for x=%d, want %v", got.WeightsVersion, p.Value, i+1, want)
		}
	}
	return nil
}

func TestBrokenVersionKeepsOldServing(t *testing.T) {
	t.Parallel()
	good, _ := json.Marshal(scale(3))
	tests := []struct {
		name       string
		model      []byte
		manifest   []byte
		wantErr    string
		noManifest bool
	}{
		{"no manifest file", good, nil, "read manifest.json", true},
		{"manifest not JSON", good, []byte(`{"version":`), "decode manifest.json", false},
		{"manifest without version", good, []byte(`{"files":[]}`), "has no version", false},
		{"model missing", nil, []byte(`{"version":"v2","files":[{"key":"model.json","size":1}]}`), "read model.json", false},
		{"model not in manifest", good, []byte(`{"version":"v2","files":[{"key":"other.bin","size":1}]}`), "manifest.json does not list model.json", false},
		{"checksum mismatch", good, []byte(fmt.Sprintf(`{"version":"v2","files":[{"key":"model.json","size":%d,"sha256":"00"}]}`, len(good))), "has sha256", false},
		{"truncated model", good[:10], nil, "decode model.json", false},
		{"coefficients do not pair with features", []byte(`{"kind":"linear","features":["x","y"],"coefficients":[1]}`), nil, "2 features but 1 coefficients", false},
		{"unknown model kind", []byte(`{"kind":"forest","features":["x"],"coefficients":[1]}`), nil, `kind "forest"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeVersion(t, root, "v1", scale(1))
			switchTo(t, root, "v1")
			s, logs := newStore(t, root)
			if _, err := s.Check(); err != nil {
				t.Fatal(err)
			}
			dir := writeRaw(t, root, "v2", tt.model, tt.manifest)
			if tt.noManifest {
				if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil {
					t.Fatal(err)
				}
			}
			switchTo(t, root, "v2")
			changed, err := s.Check()
			if changed || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check() = %v, %v; want no switch and an error containing %q", changed, err, tt.wantErr)
			}
			h := NewHandler(s, "test", s.log)
			code, got := do(t, h, http.MethodPost, "/api/v1/predict/", `{"features":{"x":2}}`)
			if code != http.StatusOK || got["weights_version"] != "v1" || got["prediction"] != 2.0 {
				t.Errorf("predict after a broken switch = %d %v; want v1 still answering 2", code, got)
			}
			_, ver := do(t, h, http.MethodGet, "/api/v1/version", "")
			lastErr, _ := ver["last_load_error"].(map[string]any)
			if ver["status"] != "degraded" || lastErr == nil || !strings.Contains(lastErr["error"].(string), tt.wantErr) || !strings.HasSuffix(lastErr["dir"].(string), "v2") {
				t.Errorf("version after a broken switch = %v; want status degraded and the error for v2", ver)
			}
			if l := logs.String(); !strings.Contains(l, "weights version rejected") || !strings.Contains(l, "serving=v1") {
				t.Errorf("log does not say the version was rejected and v1 kept:\n%s", l)
			}
			// A second poll of the same broken target neither reloads nor logs again.
			before := strings.Count(logs.String(), "rejected")
			if _, err := s.Check(); err != nil || strings.Count(logs.String(), "rejected") != before {
				t.Errorf("re-check of the same broken version: err=%v, logged again=%v", err, strings.Count(logs.String(), "rejected") != before)
			}
			// A fixed version clears the error.
			writeVersion(t, root, "v3", scale(5))
			switchTo(t, root, "v3")
			if changed, err := s.Check(); !changed || err != nil {
				t.Fatalf("switch to good v3 = %v, %v", changed, err)
			}
			_, ver = do(t, h, http.MethodGet, "/api/v1/version", "")
			if ver["status"] != "ready" || ver["last_load_error"] != nil {
				t.Errorf("version after recovery = %v; want ready and no error", ver)
			}
		})
	}
}

func TestWatchFollowsCurrent(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeVersion(t, root, "v1", scale(1))
	writeVersion(t, root, "v2", scale(2))
	clk := clock.NewFake(start)
	logs := &syncBuffer{}
	s := NewStore(root, clk, newLogger(logs))
	ctx, cancel := context.WithCancel(context.Background())
	var versions []string
	polls := 0
	clk.OnSleep(func(time.Time) {
		polls++
		if w := s.Current(); w != nil {
			versions = append(versions, w.Version)
		} else {
			versions = append(versions, "")
		}
		switch polls {
		case 1:
			switchTo(t, root, "v1") // weights arrive after start
		case 3:
			switchTo(t, root, "v2")
		case 5:
			cancel()
		}
	})
	s.Watch(ctx, 5*time.Second)
	want := "[ v1 v1 v2 v2]"
	if got := fmt.Sprint(versions); got != want {
		t.Errorf("served version after each poll = %s, want %s", got, want)
	}
	if got := clk.Now().Sub(start); got != 25*time.Second {
		t.Errorf("watched for %v of clock time, want 25s (5 polls of 5s)", got)
	}
}

// TestLoadsManifestWrittenBySync checks the endpoint reads the manifest as
// `mlops sync-weights` writes it (internal/weights), extra fields included.
func TestLoadsManifestWrittenBySync(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data, _ := json.Marshal(scale(7))
	sum := sha256.Sum256(data)
	m := weights.Manifest{
		Version: "20260501T120000Z-abc", Source: "s3://bucket/endpoint", Created: start,
		Files: []weights.File{
			{Key: "README.txt", Size: 3, SHA256: "x"},
			{Key: ModelFile, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), ETag: `"e"`, LastModified: start,
				Checksum: &weights.Checksum{Algorithm: "SHA256", Type: "FULL_OBJECT", Value: "AAAA"}},
		},
	}
	raw, _ := json.Marshal(m)
	writeRaw(t, root, m.Version, data, raw)
	switchTo(t, root, m.Version)
	s, _ := newStore(t, root)
	if changed, err := s.Check(); !changed || err != nil {
		t.Fatalf("Check() = %v, %v; want the synced version loaded", changed, err)
	}
	if got := s.Current().Version; got != m.Version {
		t.Errorf("served version %q, want %q", got, m.Version)
	}
}
