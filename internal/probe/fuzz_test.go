package probe

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any case file either fails to parse with an error or yields
// suites the runner can use without further checks (parsed paths and
// JSONPaths, positive limits); it never panics.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "tests", "endpoint", "*.yaml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("cases:\n  - {name: a, path: /, expect: {json: [{path: $.x, exists: true}]}, latency: {p95: 1s}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			return
		}
		if s.RequestTimeout.Value <= 0 || (s.Ready != nil && (s.Ready.Timeout.Value <= 0 || s.Ready.Interval.Value <= 0)) {
			t.Fatalf("accepted a non-positive duration: %+v", s)
		}
		for _, c := range s.Cases {
			if c.ref == nil || c.Repeat < 1 || c.Concurrency < 1 || c.Concurrency > c.Repeat {
				t.Fatalf("accepted an unusable case: %+v", c)
			}
			for _, a := range c.Expect.JSON {
				if a.path == nil {
					t.Fatalf("accepted an assertion without a parsed path: %+v", a)
				}
			}
		}
	})
}
