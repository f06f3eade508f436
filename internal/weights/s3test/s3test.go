// Package s3test runs a real S3 implementation (gofakes3) on loopback for
// tests and benchmarks, reached through the real SDK client.
package s3test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is an in-memory S3 on a loopback HTTP server.
type Server struct {
	URL    string
	Client *s3.Client
	close  func()
}

// Start starts a server; Close stops it.
func Start() *Server {
	faker := gofakes3.New(s3mem.New())
	srv := httptest.NewServer(faker.Server())
	return &Server{URL: srv.URL, Client: Client(srv.URL, srv.Client()), close: srv.Close}
}

// Close stops the server.
func (s *Server) Close() { s.close() }

// Client returns an SDK client for an S3 emulator at url: static
// credentials, path-style addressing, and no checksums on uploads unless the
// caller sets one.
func Client(url string, hc *http.Client) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:                     "eu-west-1",
		Credentials:                credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:                 hc,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

// Put creates the bucket if needed and uploads body under key.
func (s *Server) Put(ctx context.Context, bucket, key, body string) error {
	if _, err := s.Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		if _, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			return err
		}
	}
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	return err
}
