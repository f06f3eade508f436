package stacktest

import (
	"context"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// S3 stores uploaded templates and makes them readable to the
// CloudFormation fake by URL, as a real bucket is to CloudFormation.
type S3 struct {
	CFN    *Fake
	Region string

	mu   sync.Mutex
	keys []string
}

var _ stack.UploaderAPI = (*S3)(nil)

// PutObject implements stack.UploaderAPI.
func (s *S3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	url := stack.TemplateURL(aws.ToString(in.Bucket), s.Region, aws.ToString(in.Key))
	s.CFN.mu.Lock()
	s.CFN.Objects[url] = body
	s.CFN.mu.Unlock()
	s.mu.Lock()
	s.keys = append(s.keys, aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	s.mu.Unlock()
	return &s3.PutObjectOutput{ETag: aws.String(`"fake"`)}, nil
}

// Keys returns bucket/key of every object put.
func (s *S3) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}
