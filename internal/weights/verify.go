package weights

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// crc64NVME is the CRC-64/NVME polynomial (reversed form) S3 uses for
// CRC64NVME checksums.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
const crc64NVME = 0x9a6c9329ac4bc9b5

// s3Checksums is what a GetObject or HeadObject answer says about the
// object's additional checksums.
type s3Checksums struct {
	Type                                   types.ChecksumType
	SHA256, CRC32C, CRC32, CRC64NVME, SHA1 *string
}

// pick returns the one full-object checksum the sync can verify against a
// hash of the whole file, or nil. COMPOSITE checksums (a checksum of the part
// checksums, "<value>-<parts>") cannot be compared with a whole-file hash, so
// those objects are verified by the SHA-256 the sync records instead.
func (c s3Checksums) pick() *Checksum {
	if c.Type == types.ChecksumTypeComposite {
		return nil
	}
	for _, cand := range []struct {
		alg string
		v   *string
	}{{"SHA256", c.SHA256}, {"CRC64NVME", c.CRC64NVME}, {"CRC32C", c.CRC32C}, {"CRC32", c.CRC32}, {"SHA1", c.SHA1}} {
		v := aws.ToString(cand.v)
		if v == "" || strings.Contains(v, "-") {
			continue
		}
		return &Checksum{Algorithm: cand.alg, Type: string(types.ChecksumTypeFullObject), Value: v}
	}
	return nil
}

// verifier hashes the bytes of one file as they are written: always SHA-256
// (recorded in the manifest), plus the S3 checksum's algorithm when the
// object has one. A CRC can instead be computed part by part elsewhere and
// joined here (writePart).
type verifier struct {
	sha   hash.Hash
	extra hash.Hash // nil when there is no S3 checksum or it is SHA256
	want  *Checksum
	w     io.Writer
	join  *crcJoin // non-nil when the S3 checksum is a CRC
	// crc of the bytes given to writePart with their own part CRC.
	crc    uint64
	joined bool
}

func newVerifier(want *Checksum) *verifier {
	v := &verifier{sha: sha256.New(), want: want}
	if want != nil {
		if v.join = crcJoins[want.Algorithm]; v.join != nil {
			v.extra = v.join.new()
		} else if want.Algorithm == "SHA1" {
			v.extra = sha1.New()
		}
	}
	v.w = v.sha
	if v.extra != nil {
		v.w = io.MultiWriter(v.sha, v.extra)
	}
	return v
}

// Write feeds bytes in file order.
func (v *verifier) Write(p []byte) (int, error) { return v.w.Write(p) }

// partHash returns a fresh hash for the CRC of one part, or nil when the
// S3 checksum is not a CRC (the part then goes through Write's hashes).
func (v *verifier) partHash() hash.Hash {
	if v.join == nil {
		return nil
	}
	return v.join.new()
}

// writePart feeds one part in file order, with the partHash that has
// already seen exactly its bytes (or nil). Either every part of a file
// comes with its CRC or none does.
func (v *verifier) writePart(p []byte, crc hash.Hash) {
	if crc == nil {
		v.w.Write(p)
		return
	}
	v.sha.Write(p)
	v.crc = v.join.join(v.crc, v.join.sum(crc), int64(len(p)))
	v.joined = true
}

// finish checks the S3 checksum (if any) and returns the hex SHA-256.
func (v *verifier) finish(key string) (string, error) {
	sum := v.sha.Sum(nil)
	if v.want != nil {
		got := sum
		switch {
		case v.joined:
			got = binary.BigEndian.AppendUint64(nil, v.crc)[8-v.extra.Size():]
		case v.extra != nil:
			got = v.extra.Sum(nil)
		}
		if enc := base64.StdEncoding.EncodeToString(got); enc != v.want.Value {
			return "", fmt.Errorf("object %q: %s checksum mismatch: S3 says %s, downloaded bytes give %s; nothing was published", key, v.want.Algorithm, v.want.Value, enc)
		}
	}
	return hex.EncodeToString(sum), nil
}
