//go:build unix

package weights

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

var (
	benchSlowN     = flag.Int("bench.slow-n", 1000, "number of 16 KiB objects in BenchmarkSyncSlowFsync")
	benchSlowDelay = flag.Duration("bench.fsync-delay", 2*time.Millisecond, "latency added to every fsync in BenchmarkSyncSlowFsync (EFS: milliseconds)")
)

// BenchmarkSyncSlowFsync stands for a network file system such as EFS,
// where each fsync of a file costs milliseconds: every fsync of a
// downloaded file waits -bench.fsync-delay first (the Syncer's FsyncDelay,
// which only benchmarks set). It reports the wall time against the serial bound
// (files × delay) and the most fsyncs seen in flight at once: a sync that
// kept one file in flight would take the serial bound or more.
//
//	go test -run '^$' -bench SyncSlowFsync -benchtime 3x ./internal/weights/
func BenchmarkSyncSlowFsync(b *testing.B) {
	be := s3mem.New()
	const bkt = "bench"
	if err := be.CreateBucket(bkt); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("w"), 16<<10)
	for i := range *benchSlowN {
		if _, err := be.PutObject(bkt, fmt.Sprintf("model/f%05d.bin", i), map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(be, gofakes3.WithoutVersioning()).Server())
	b.Cleanup(srv.Close)
	client := s3.NewFromConfig(aws.Config{
		Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient: awshttp.NewBuildableClient(),
	}, func(o *s3.Options) { o.BaseEndpoint = aws.String(srv.URL); o.UsePathStyle = true }, KeepConnections)
	slow := &FsyncDelay{Delay: *benchSlowDelay}
	dir := b.TempDir()
	var total time.Duration
	for i := range b.N {
		s := &Syncer{S3: client, Clock: clock.Real{}, FsyncDelay: slow}
		target := filepath.Join(dir, fmt.Sprint(i))
		start := time.Now()
		if _, err := s.Sync(context.Background(), Options{Source: Source{Bucket: bkt, Prefix: "model"}, Target: target}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		_ = os.RemoveAll(target)
		b.StartTimer()
	}
	serial := time.Duration(*benchSlowN) * *benchSlowDelay
	b.ReportMetric(total.Seconds()/float64(b.N), "s/sync")
	b.ReportMetric(serial.Seconds(), "s-serial-fsyncs")
	b.ReportMetric(float64(total)/float64(b.N)/float64(serial), "x-serial")
	b.ReportMetric(float64(slow.most.Load()), "fsyncs-in-flight")
}
