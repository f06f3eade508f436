package stack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Server is gofakes3 reached through the real SDK client, logging the
// requests it serves.
type s3Server struct {
	client *s3.Client
	mu     sync.Mutex
	reqs   []string
}

func newS3Server(t *testing.T, bucket string) *s3Server {
	t.Helper()
	s := &s3Server{}
	h := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.client = s3.NewFromConfig(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired},
		func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(srv.URL), true })
	if _, err := s.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return s
}

// fetch reads a virtual-hosted template URL (https://bucket.s3.region.amazonaws.com/key)
// back from the server, as CloudFormation would.
func (s *s3Server) fetch(raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	bucket, _, _ := strings.Cut(u.Host, ".s3.")
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(strings.TrimPrefix(u.Path, "/"))})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// TestLargeTemplateGoesThroughS3 deploys a template over 51,200 bytes: it is
// uploaded with the real S3 client and CloudFormation reads it by URL.
func TestLargeTemplateGoesThroughS3(t *testing.T) {
	t.Parallel()
	srv := newS3Server(t, "artifacts")
	w := newWorld(t)
	w.d.S3 = srv.client
	w.cf.FetchTemplate = srv.fetch
	req := request(t)
	big := string(req.Template.Body) + "\n# " + strings.Repeat("padding ", cfn.MaxTemplateBody/8) + "\n"
	tpl, err := cfn.ParseTemplate("big.yaml", []byte(big))
	if err != nil {
		t.Fatal(err)
	}
	req.Template = tpl
	res, err := w.d.Deploy(context.Background(), req)
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.Status != "CREATE_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
	var puts []string
	for _, r := range srv.reqs {
		if strings.HasPrefix(r, "PUT /artifacts/templates/ep-a/") && strings.HasSuffix(r, ".yaml") {
			puts = append(puts, r)
		}
	}
	if len(puts) != 1 {
		t.Errorf("template uploads %v (all requests %v)", puts, srv.reqs)
	}

	noBucket := newWorld(t)
	noBucket.d.Bucket = ""
	if _, err := noBucket.d.Deploy(context.Background(), req); err == nil || !strings.Contains(err.Error(), "artifacts.bucket") {
		t.Errorf("without a bucket: %v", err)
	}
	if n := len(noBucket.cf.Calls()); n > 1 {
		t.Errorf("without a bucket the deploy still called %v", noBucket.cf.Calls())
	}
}

// TestSwappedTemplateIsNotDeployed: when another writer replaces the
// uploaded template object (a role that may write the deploy's key), the
// deploy notices before creating a change set and writes nothing more.
func TestSwappedTemplateIsNotDeployed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s3.Tamper = func(_ string, body []byte) []byte {
		return append(body, []byte("\n  Backdoor: {Type: AWS::IAM::User}\n")...)
	}
	req := request(t)
	big := string(req.Template.Body) + "\n# " + strings.Repeat("padding ", cfn.MaxTemplateBody/8) + "\n"
	tpl, err := cfn.ParseTemplate("big.yaml", []byte(big))
	if err != nil {
		t.Fatal(err)
	}
	req.Template = tpl
	_, err = w.d.Deploy(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "is not the one uploaded") {
		t.Fatalf("Deploy = %v, want a refusal naming the swapped object", err)
	}
	for _, c := range w.cf.Calls() {
		if strings.HasPrefix(c, "CreateChangeSet") || strings.HasPrefix(c, "ExecuteChangeSet") {
			t.Errorf("the deploy went on to %s after the template was swapped", c)
		}
	}
}
