package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncWeightsBenchFsyncDelay: the bench-only variable adds a latency to
// every fsync of a downloaded file and reports the fsyncs on stderr; a bad
// value is refused (exit 2) before anything is written; unset, nothing of
// it shows.
func TestSyncWeightsBenchFsyncDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		value    string
		wantCode int
		want     string // in stderr
	}{
		{name: "set", value: "0s", wantCode: ExitOK, want: "MLOPS_BENCH_FSYNC_DELAY: fsync delay 0s: 2 file fsyncs (0.00 s if serial), at most "},
		{name: "bad", value: "2 ms", wantCode: ExitUsage, want: `MLOPS_BENCH_FSYNC_DELAY: "2 ms" is not a duration such as 2ms; unset it (it is for bench/weights.sh only)`},
		{name: "unset", wantCode: ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newWeightsJob(t)
			if tc.value != "" {
				j.env["MLOPS_BENCH_FSYNC_DELAY"] = tc.value
			}
			target := filepath.Join(j.dir, "weights")
			code := j.run("--target", target)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, j.stderr.String())
			}
			if tc.want == "" && strings.Contains(j.stderr.String(), "MLOPS_BENCH") || !strings.Contains(j.stderr.String(), tc.want) {
				t.Errorf("stderr, want %q:\n%s", tc.want, j.stderr.String())
			}
			if _, err := filepath.EvalSymlinks(filepath.Join(target, "current")); (err == nil) != (tc.wantCode == ExitOK) {
				t.Errorf("current after exit %d: %v", code, err)
			}
		})
	}
}
