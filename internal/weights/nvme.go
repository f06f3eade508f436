package weights

import (
	"encoding/binary"
	"hash"
	"hash/crc64"
)

// CRC-64/NVME, the checksum S3 adds to every object uploaded without one,
// is the common case; the standard library computes it with tables at about
// 1.9 GB/s on the machines here. Where the CPU multiplies carry-less
// (PCLMULQDQ), nvmeUpdate folds 16 bytes at a time instead: the running
// 128-bit remainder S = S1·x^64 + S2 of the bytes so far is replaced by
// S1·(x^192 mod P) + S2·(x^128 mod P), congruent to S·x^128, and the next
// 16 bytes are XORed in. What is left is the CRC register of 16 bytes,
// finished with the tables. Values are bit-reflected, as the CRC is, and
// the multiplier is one bit short (the product of two reflected 64-bit
// values comes out shifted by one), so the constants are x^191 and x^127.

var nvmeTable = crc64.MakeTable(crc64NVME)

// nvmeFold holds the folding constants: x^191 mod P and x^127 mod P.
var nvmeFold = [2]uint64{crcJoins["CRC64NVME"].xpow(191), crcJoins["CRC64NVME"].xpow(127)}

// nvmeUpdate returns crc64.Update(crc, nvmeTable, p).
func nvmeUpdate(crc uint64, p []byte) uint64 {
	if !haveFold || len(p) < 64 {
		return crc64.Update(crc, nvmeTable, p)
	}
	n := len(p) &^ 15
	lo, hi := fold16(^crc, p[:n], &nvmeFold)
	var rest [16]byte
	binary.LittleEndian.PutUint64(rest[:8], lo)
	binary.LittleEndian.PutUint64(rest[8:], hi)
	// The register after rest, from a zero register; then the tail.
	reg := ^crc64.Update(^uint64(0), nvmeTable, rest[:])
	return crc64.Update(^reg, nvmeTable, p[n:])
}

// nvmeDigest is a hash.Hash64 of CRC-64/NVME using nvmeUpdate.
type nvmeDigest struct{ crc uint64 }

func newNVME() hash.Hash64 { return &nvmeDigest{} }

func (d *nvmeDigest) Write(p []byte) (int, error) { d.crc = nvmeUpdate(d.crc, p); return len(p), nil }
func (d *nvmeDigest) Sum64() uint64               { return d.crc }
func (d *nvmeDigest) Sum(b []byte) []byte         { return binary.BigEndian.AppendUint64(b, d.crc) }
func (d *nvmeDigest) Reset()                      { d.crc = 0 }
func (d *nvmeDigest) Size() int                   { return 8 }
func (d *nvmeDigest) BlockSize() int              { return 1 }
