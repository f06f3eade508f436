package weights

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// S3API is the part of the S3 client the sync uses; *s3.Client satisfies it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObjectAttributes(ctx context.Context, in *s3.GetObjectAttributesInput, optFns ...func(*s3.Options)) (*s3.GetObjectAttributesOutput, error)
}

// Source is an S3 location: a bucket and a key prefix.
type Source struct {
	Bucket string
	Prefix string // without leading or trailing slash; "" is the whole bucket
}

// ParseSource parses s3://bucket/prefix. A bad URI is a usage error.
func ParseSource(uri string) (Source, error) {
	b, p, err := config.ParseS3URI(strings.TrimSpace(uri))
	if err != nil {
		return Source{}, fault.Usagef("--source: %w", err)
	}
	return Source{Bucket: b, Prefix: p}, nil
}

// String returns the source as an s3:// URI.
func (s Source) String() string {
	if s.Prefix == "" {
		return "s3://" + s.Bucket
	}
	return "s3://" + s.Bucket + "/" + s.Prefix
}

// listPrefix is the prefix sent to S3: the prefix as a folder, so that
// s3://b/model does not also match s3://b/model-old.
func (s Source) listPrefix() string {
	if s.Prefix == "" {
		return ""
	}
	return s.Prefix + "/"
}

// Object is one listed S3 object, with its key relative to the prefix.
type Object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// list returns every object under the source, paginated (1,000 keys a page).
// Folder markers (keys ending in "/") are skipped. Keys that cannot be a
// file of the version directory (see checkKeys) are refused here, before
// anything is downloaded. lim are the target file system's limits on a
// name and a path.
//
// Keys are listed URL-encoded (EncodingType=url): S3 cannot put characters
// that XML 1.0 forbids (NUL and most control characters) in a plain
// listing, and XML parsing would turn a carriage return into a newline.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
func list(ctx context.Context, api S3API, src Source, lim limits) ([]Object, error) {
	p := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{
		Bucket:       aws.String(src.Bucket),
		Prefix:       aws.String(src.listPrefix()),
		EncodingType: types.EncodingTypeUrl,
	})
	var objs []Object
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify(fmt.Errorf("list %s: %w", src, err), src)
		}
		for _, o := range page.Contents {
			key, err := listedKey(page.EncodingType, aws.ToString(o.Key))
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", src, err)
			}
			rel := strings.TrimPrefix(key, src.listPrefix())
			if rel == "" || strings.HasSuffix(rel, "/") {
				continue
			}
			objs = append(objs, Object{
				Key:          rel,
				Size:         aws.ToInt64(o.Size),
				ETag:         aws.ToString(o.ETag),
				LastModified: aws.ToTime(o.LastModified),
			})
		}
	}
	if len(objs) == 0 {
		return nil, fault.WithHint(fault.Usagef("%s: no objects under this prefix", src),
			"check the prefix; syncing an empty prefix would remove every weight file, so it is refused")
	}
	if err := checkKeys(objs, lim); err != nil {
		return nil, fault.Usagef("%s: %w", src, err)
	}
	return objs, nil
}

// listedKey decodes a key of a listing that S3 URL-encoded (it says so in
// the answer's EncodingType; an S3 that ignores the request sends keys as
// they are).
func listedKey(enc types.EncodingType, key string) (string, error) {
	if enc != types.EncodingTypeUrl {
		return key, nil
	}
	k, err := url.QueryUnescape(key)
	if err != nil {
		return "", fmt.Errorf("url-encoded key %q: %w", key, err)
	}
	return k, nil
}

// checkKeys refuses, naming the key, every key that cannot be a file of a
// version directory: not a clean relative path, the manifest's name, a NUL
// byte, a name or path longer than the file system allows, or a key that is also
// a folder of another key ("a" and "a/b": one path cannot be both a file
// and a directory).
func checkKeys(objs []Object, lim limits) error {
	files := make(map[string]bool, len(objs))
	for _, o := range objs {
		if err := checkKey(o.Key, lim); err != nil {
			return fmt.Errorf("object key %q: %w", o.Key, err)
		}
		files[o.Key] = true
	}
	for _, o := range objs {
		for d := path.Dir(o.Key); d != "."; d = path.Dir(d) {
			if files[d] {
				return fmt.Errorf("object key %q is a file and also the folder of object key %q; a version directory cannot hold both: rename one of them", d, o.Key)
			}
		}
	}
	return nil
}

// checkKey refuses a key that cannot be a file inside a version directory.
func checkKey(rel string, lim limits) error {
	switch {
	case strings.ContainsRune(rel, 0):
		return errors.New("key contains a NUL byte, which no file name can hold; rename the object")
	case rel == "." || path.Clean(rel) != rel || strings.HasPrefix(rel, "/") || rel == ".." || strings.HasPrefix(rel, "../"):
		return errors.New("key is not a clean relative path (\"..\", \"//\" or \".\" segments); rename the object")
	case rel == ManifestName:
		return fmt.Errorf("key collides with the sync's own %s; rename the object", ManifestName)
	}
	return lim.checkLength(rel, strings.Split(rel, "/"))
}

// classify turns S3 answers that mean bad input (no such bucket, no
// permission) into usage errors with a hint; anything else stays a failure.
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
func classify(err error, src Source) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.ErrorCode() {
	case "NoSuchBucket":
		return fault.WithHint(fault.Usage(err), fmt.Sprintf("bucket %q does not exist; check --source", src.Bucket))
	case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled":
		return fault.WithHint(fault.Usage(err), fmt.Sprintf("the role needs s3:ListBucket on arn:aws:s3:::%s and s3:GetObject on arn:aws:s3:::%s/%s*", src.Bucket, src.Bucket, src.listPrefix()))
	}
	return err
}
