//go:build unix

package weights

import (
	"context"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// crcOf returns the CRC of b as one hash over all of it.
func crcOf(c *crcJoin, b []byte) uint64 {
	h := c.new()
	h.Write(b)
	return c.sum(h)
}

func TestCRCJoinEqualsTheCRCOfTheWhole(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for alg, c := range crcJoins {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(3, uint64(len(alg))))
			for trial := range 200 {
				whole := data[:r.IntN(len(data)+1)]
				// Split at random points, including empty pieces.
				var got uint64
				for rest := whole; ; {
					n := 0
					if len(rest) > 0 && trial%5 != 0 {
						n = r.IntN(len(rest) + 1)
					} else {
						n = len(rest)
					}
					got = c.join(got, crcOf(c, rest[:n]), int64(n))
					rest = rest[n:]
					if len(rest) == 0 {
						break
					}
				}
				if want := crcOf(c, whole); got != want {
					t.Fatalf("joined CRC of %d bytes = %#x, want %#x", len(whole), got, want)
				}
			}
		})
	}
}

// TestRangedObjectsWithCRCChecksums downloads objects larger than the part
// size whose S3 checksum is a CRC (each part's CRC computed by the worker
// that fetched it and joined in order): right values publish, wrong ones
// fail the sync.
func TestRangedObjectsWithCRCChecksums(t *testing.T) {
	t.Parallel()
	body := big("crc", 300<<10) // 5 parts of 64 KiB
	for alg, c := range crcJoins {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			sum := c.new()
			sum.Write([]byte(body))
			right := base64.StdEncoding.EncodeToString(sum.Sum(nil))

			f := newFakeS3(t)
			f.putChecksum("model/weights.bin", body, alg, right)
			target := t.TempDir()
			if _, err := newSyncer(f).Sync(context.Background(), opts(target)); err != nil {
				t.Fatalf("sync with the right %s: %v", alg, err)
			}
			if diff := cmp.Diff(map[string]string{"weights.bin": body}, currentFiles(t, target)); diff != "" {
				t.Errorf("current (-want +got):\n%s", diff)
			}
			m, err := readManifest(Layout{Root: target}.Version(mustCurrent(t, target)))
			if err != nil {
				t.Fatal(err)
			}
			if ck := m.Files[0].Checksum; ck == nil || ck.Algorithm != alg || ck.Value != right {
				t.Errorf("manifest checksum = %+v, want %s %s", ck, alg, right)
			}

			// The same bytes with one byte changed in the fourth part.
			bad := []byte(body)
			bad[200<<10] ^= 1
			f.putChecksum("model/weights.bin", string(bad), alg, right)
			f.putChecksum("model/other.bin", "x", alg, base64.StdEncoding.EncodeToString(func() []byte { h := c.new(); h.Write([]byte("x")); return h.Sum(nil) }()))
			_, err = newSyncer(f).Sync(context.Background(), opts(target))
			if err == nil || !strings.Contains(err.Error(), alg+" checksum mismatch") {
				t.Fatalf("sync of a corrupted part: error %v, want a %s mismatch", err, alg)
			}
			if diff := cmp.Diff(map[string]string{"weights.bin": body}, currentFiles(t, target)); diff != "" {
				t.Errorf("current changed after a failed sync (-want +got):\n%s", diff)
			}
		})
	}
}

func mustCurrent(t *testing.T, target string) string {
	t.Helper()
	id, err := Layout{Root: target}.CurrentID()
	if err != nil || id == "" {
		t.Fatalf("current of %s: %q, %v", target, id, err)
	}
	return id
}
