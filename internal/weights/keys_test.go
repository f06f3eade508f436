//go:build unix

package weights

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// urlListing answers ListObjectsV2 with fixed keys, URL-encoded as S3
// encodes them when asked to (EncodingType=url: the only way S3 can list a
// key holding a character XML 1.0 forbids, such as NUL). gofakes3 ignores
// EncodingType and its XML encoder replaces NUL, so this stands in for S3.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
type urlListing struct {
	S3API
	keys []string
}

func (l urlListing) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	if in.EncodingType == types.EncodingTypeUrl {
		out.EncodingType = types.EncodingTypeUrl
	}
	for _, k := range l.keys {
		if out.EncodingType == types.EncodingTypeUrl {
			k = url.QueryEscape(k)
		}
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(1), ETag: aws.String(`"e"`)})
	}
	return out, nil
}

// TestKeysThatCannotBeFilesAreRefusedAtListing: every such key fails the
// sync with exit 2 and a message naming it, before any object is read and
// with the target untouched.
func TestKeysThatCannotBeFilesAreRefusedAtListing(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 256)
	// S3 keys are at most 1,024 bytes, so PATH_MAX is only reached under a
	// long target path.
	longPath := strings.TrimSuffix(strings.Repeat(strings.Repeat("k", 200)+"/", 5), "/")
	deep := strings.TrimSuffix(strings.Repeat(strings.Repeat("d", 200)+"/", 16), "/")
	tests := []struct {
		name    string
		keys    []string // uploaded to gofakes3 under model/
		listed  []string // or listed by urlListing (full keys)
		under   string   // the target's path below a temporary directory
		wantErr string
	}{
		{name: "path too long", keys: []string{"ok", longPath}, under: deep, wantErr: `object key "` + longPath + `": key is 1004 bytes; written under the target's versions/<id>.tmp/ its path would exceed the file system's limit of 4096 bytes (PATH_MAX)`},
		{name: "dot", listed: []string{"model/ok", "model/."}, wantErr: `object key ".": key is not a clean relative path`},
		{name: "NUL", listed: []string{"model/ok", "model/a\x00b"}, wantErr: `object key "a\x00b": key contains a NUL byte`},
		{name: "name too long", keys: []string{"ok", "dir/" + long}, wantErr: `object key "dir/` + long + `": name "` + long + `" is 256 bytes, longer than the target file system's limit of 255`},
		{name: "file and folder", keys: []string{"a", "a-b", "a/b"}, wantErr: `object key "a" is a file and also the folder of object key "a/b"`},
		{name: "file and deeper folder", keys: []string{"x/y", "x/y/z/w"}, wantErr: `object key "x/y" is a file and also the folder of object key "x/y/z/w"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeS3(t)
			seed(f)
			target := filepath.Join(t.TempDir(), tc.under)
			s := newSyncer(f)
			if _, err := s.Sync(context.Background(), opts(target)); err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.keys {
				f.put("model/"+k, "x")
			}
			if tc.listed != nil {
				s.S3 = urlListing{S3API: f.client, keys: tc.listed}
			}
			f.reset()
			before := snapshot(t, target)
			_, err := s.Sync(context.Background(), opts(target))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !fault.IsUsage(err) {
				t.Fatalf("error = %v, want a usage error (exit 2) containing %q", err, tc.wantErr)
			}
			if reads := f.objectReads(); len(reads) > 0 {
				t.Errorf("objects read before the refusal: %v", reads)
			}
			if diff := cmp.Diff(before, snapshot(t, target)); diff != "" {
				t.Errorf("target changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestListedKeysAreURLDecoded(t *testing.T) {
	t.Parallel()
	f := newFakeS3(t)
	keys := []string{"model/a b+c%.bin", "model/sub/ü"}
	for _, k := range keys {
		f.put(k, "bytes of "+k)
	}
	s := newSyncer(f)
	s.S3 = urlListing{S3API: f.client, keys: keys}
	objs, err := list(context.Background(), s.S3, Source{Bucket: bucket, Prefix: "model"}, targetLimits("/weights"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	if diff := cmp.Diff([]string{"a b+c%.bin", "sub/ü"}, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
