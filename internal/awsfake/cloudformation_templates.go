package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// TemplateBucket stores uploaded templates and makes them readable to the
// CloudFormation fake by URL, as a real bucket is to CloudFormation.
type TemplateBucket struct {
	CloudFormation *CloudFormation
	Region         string

	// Tamper, when set, replaces an object's body right after it is put,
	// as another writer of the key would.
	Tamper func(key string, body []byte) []byte

	mu        sync.Mutex
	keys      []string
	checksums map[string]string // key → ChecksumSHA256 of the stored body
}

// PutObject stores the object and makes it readable to the CloudFormation
// fake at its TemplateURL; a ChecksumSHA256 that does not match the body
// fails with S3's BadDigest.
func (s *TemplateBucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	got := base64.StdEncoding.EncodeToString(sum[:])
	if want := aws.ToString(in.ChecksumSHA256); want != "" && want != got {
		// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (BadDigest)
		return nil, &smithy.GenericAPIError{Code: "BadDigest", Message: "The SHA256 you specified did not match the calculated checksum."}
	}
	if s.Tamper != nil {
		body = s.Tamper(aws.ToString(in.Key), body)
		sum = sha256.Sum256(body)
		got = base64.StdEncoding.EncodeToString(sum[:])
	}
	url := cfn.TemplateURL(aws.ToString(in.Bucket), s.Region, aws.ToString(in.Key))
	s.CloudFormation.mu.Lock()
	s.CloudFormation.Objects[url] = body
	s.CloudFormation.mu.Unlock()
	s.mu.Lock()
	s.keys = append(s.keys, aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	if s.checksums == nil {
		s.checksums = map[string]string{}
	}
	if aws.ToString(in.ChecksumSHA256) != "" || s.Tamper != nil {
		s.checksums[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)] = got
	}
	s.mu.Unlock()
	return &s3.PutObjectOutput{ETag: aws.String(`"fake"`), ChecksumSHA256: in.ChecksumSHA256}, nil
}

// HeadObject answers for a stored object: its object's checksum
// when it was uploaded with one and ChecksumMode is ENABLED, as S3 answers.
func (s *TemplateBucket) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
	if !slices.Contains(s.keys, key) {
		return nil, &smithy.GenericAPIError{Code: "NotFound", Message: "Not Found"}
	}
	out := &s3.HeadObjectOutput{ETag: aws.String(`"fake"`)}
	if in.ChecksumMode == s3types.ChecksumModeEnabled {
		if c, ok := s.checksums[key]; ok {
			out.ChecksumSHA256 = aws.String(c)
		}
	}
	return out, nil
}

// Keys returns bucket/key of every object put.
func (s *TemplateBucket) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}
