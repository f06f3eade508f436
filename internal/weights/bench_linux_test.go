//go:build unix

package weights

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

var (
	benchLargeMiB = flag.Int("bench.large-mib", 256, "size of the one large object in BenchmarkSync/large, MiB")
	benchSmallN   = flag.Int("bench.small-n", 200, "number of 1 MiB objects in BenchmarkSync/small")
)

// BenchmarkSync times a full sync (verification, fsync, manifest, atomic
// switch) against a plain baseline in the same run: the same objects fetched
// with the same number of concurrent GETs (ranged for the large object)
// written straight to files, with no hashing and no fsync. The two take
// turns in every iteration so load on the machine falls on both alike;
// "x-baseline" is sync time / baseline time (1.00 means verification and
// durability cost nothing measurable); "x-baseline+syncfs" counts the
// baseline until its bytes are on disk too (one syncfs(2) after the GETs),
// as the sync's own fsyncs do.
//
//	go test -run '^$' -bench Sync -benchtime 3x ./internal/weights/
//	go test -run '^$' -bench Sync/large -bench.large-mib 1024 ./internal/weights/
func BenchmarkSync(b *testing.B) {
	b.Run("large", func(b *testing.B) {
		benchSync(b, map[string]int{"big.bin": *benchLargeMiB << 20})
	})
	b.Run("small", func(b *testing.B) {
		objs := map[string]int{}
		for i := range *benchSmallN {
			objs[fmt.Sprintf("f%04d.bin", i)] = 1 << 20
		}
		benchSync(b, objs)
	})
}

func benchSync(b *testing.B, objs map[string]int) {
	be := s3mem.New()
	const bkt = "bench"
	if err := be.CreateBucket(bkt); err != nil {
		b.Fatal(err)
	}
	var total int64
	for key, n := range objs {
		body := make([]byte, n)
		_, _ = rand.Read(body)
		sum := sha256.Sum256(body)
		meta := map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum[:])}
		if _, err := be.PutObject(bkt, "model/"+key, meta, bytes.NewReader(body), int64(n), nil); err != nil {
			b.Fatal(err)
		}
		total += int64(n)
	}
	srv := httptest.NewServer(gofakes3.New(be, gofakes3.WithoutVersioning()).Server())
	b.Cleanup(srv.Close)
	// The SDK's default HTTP client, as the command uses.
	client := s3.NewFromConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  awshttp.NewBuildableClient(),
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	}, KeepConnections)
	src := Source{Bucket: bkt, Prefix: "model"}
	ctx := context.Background()
	listed, err := list(ctx, client, src, targetLimits("/weights"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.SetBytes(total)
	b.ResetTimer()
	var syncTime, baseTime, flushedTime time.Duration
	for i := range b.N {
		b.StopTimer()
		base := filepath.Join(dir, fmt.Sprintf("base%d", i))
		target := filepath.Join(dir, fmt.Sprintf("sync%d", i))
		if err := os.MkdirAll(target, 0o755); err != nil {
			b.Fatal(err)
		}
		// Dirty pages of earlier runs are flushed untimed, so neither run
		// pays for the other's writeback.
		syscall.Sync()
		start := time.Now()
		if err := plainGet(ctx, client, src, listed, base, DefaultConcurrency, DefaultPartSize); err != nil {
			b.Fatal(err)
		}
		baseTime += time.Since(start)
		if err := syncfs(base); err != nil {
			b.Fatal(err)
		}
		flushedTime += time.Since(start)
		// Each run writes into the page cache its predecessor freed: pages
		// not touched for a while can cost far more to fill on a virtual
		// machine (the host may have taken them back), which would charge
		// whichever run came second.
		_ = os.RemoveAll(base)
		syscall.Sync()
		b.StartTimer()
		s := &Syncer{S3: client, Clock: clock.Real{}}
		start = time.Now()
		if _, err := s.Sync(ctx, Options{Source: src, Target: target}); err != nil {
			b.Fatal(err)
		}
		syncTime += time.Since(start)
		b.StopTimer()
		_ = os.RemoveAll(target)
		b.StartTimer()
	}
	b.ReportMetric(float64(syncTime)/float64(baseTime), "x-baseline")
	b.ReportMetric(float64(syncTime)/float64(flushedTime), "x-baseline+syncfs")
	b.ReportMetric(float64(total)/baseTime.Seconds()*float64(b.N)/1e6, "baseline-MB/s")
}

// syncfs flushes the file system that holds dir.
func syncfs(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

// plainGet is the baseline: every object fetched with `concurrency` GETs in
// flight (parts of partSize as ranged GETs) and written to its file, nothing
// else.
func plainGet(ctx context.Context, api S3API, src Source, objs []Object, dir string, concurrency int, partSize int64) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for _, o := range objs {
		p := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		for off := int64(0); off < o.Size; off += partSize {
			end := min(off+partSize, o.Size) - 1
			g.Go(func() error {
				out, err := api.GetObject(gctx, &s3.GetObjectInput{
					Bucket: aws.String(src.Bucket), Key: aws.String(src.Prefix + "/" + o.Key),
					Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
				}, withoutSDKValidation)
				if err != nil {
					return err
				}
				defer out.Body.Close()
				_, err = io.Copy(io.NewOffsetWriter(f, off), out.Body)
				return err
			})
		}
	}
	return g.Wait()
}
