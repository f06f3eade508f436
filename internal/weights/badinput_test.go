//go:build unix

package weights

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func TestParseSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Source
		wantErr string
	}{
		{"s3://weights/model", Source{"weights", "model"}, ""},
		{"s3://weights/model/v1/", Source{"weights", "model/v1"}, ""},
		{"s3://weights", Source{"weights", ""}, ""},
		{"https://weights.s3.amazonaws.com/model", Source{}, "is not an S3 URI"},
		{"s3://", Source{}, "no valid bucket name"},
		{"s3://Bad_Bucket/x", Source{}, "no valid bucket name"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSource(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !fault.IsUsage(err) {
					t.Fatalf("error = %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// denyList answers ListObjectsV2 the way S3 does for a role without
// s3:ListBucket.
type denyList struct{ S3API }

func (denyList) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
}

func TestBadInputIsUsageErrorAndLeavesCurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(t *testing.T, s *Syncer, o *Options)
		wantErr  string
		wantHint string
	}{
		{"missing bucket", func(_ *testing.T, _ *Syncer, o *Options) { o.Source.Bucket = "no-such-bucket" }, "NoSuchBucket", `bucket "no-such-bucket" does not exist`},
		{"empty prefix", func(_ *testing.T, _ *Syncer, o *Options) { o.Source.Prefix = "nothing-here" }, "no objects under this prefix", "empty prefix"},
		{"no permission", func(_ *testing.T, s *Syncer, _ *Options) { s.S3 = denyList{s.S3} }, "AccessDenied", "s3:ListBucket"},
		{"target is a file", func(t *testing.T, _ *Syncer, o *Options) {
			p := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			o.Target = p
		}, "is not a directory", ""},
		{"versions on another file system", func(t *testing.T, _ *Syncer, o *Options) {
			other, err := os.MkdirTemp("/dev/shm", "versions")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(other) })
			if st, st2 := devOf(t, other), devOf(t, o.Target); st == st2 {
				t.Fatalf("/dev/shm is on the same device as %s; this test needs a tmpfs at /dev/shm", o.Target)
			}
			if err := os.Rename(filepath.Join(o.Target, "versions"), filepath.Join(o.Target, "versions.real")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, filepath.Join(o.Target, "versions")); err != nil {
				t.Fatal(err)
			}
		}, "are on different file systems", "atomic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeS3(t)
			seed(f)
			target := t.TempDir()
			s := newSyncer(f)
			if _, err := s.Sync(context.Background(), opts(target)); err != nil {
				t.Fatal(err)
			}
			f.put("model/config.json", "changed")
			o := opts(target)
			tc.mutate(t, s, &o)
			before := append(snapshot(t, target), snapshot(t, filepath.Join(target, "current")+"/")...)
			_, err := s.Sync(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if !fault.IsUsage(err) {
				t.Errorf("error %v is not a usage error (exit 2)", err)
			}
			if !strings.Contains(fault.Hint(err), tc.wantHint) {
				t.Errorf("hint = %q, want it to contain %q", fault.Hint(err), tc.wantHint)
			}
			after := append(snapshot(t, target), snapshot(t, filepath.Join(target, "current")+"/")...)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("current changed (-before +after):\n%s", diff)
			}
		})
	}
}

func devOf(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Dev)
}

func TestUnsafeKeysAreRefused(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"model/manifest.json", "model/a//b", "model/./x"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			f := newFakeS3(t)
			f.put(key, "x")
			_, err := newSyncer(f).Sync(context.Background(), opts(t.TempDir()))
			if err == nil || !fault.IsUsage(err) || !strings.Contains(err.Error(), "rename the object") {
				t.Fatalf("error = %v, want a usage error asking to rename the object", err)
			}
		})
	}
}
