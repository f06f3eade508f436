package weights

import (
	"hash"
	"hash/crc32"
)

// crcJoin combines the CRCs of consecutive pieces of a file into the CRC of
// the whole, so the parts of a ranged download can each be checksummed by
// the worker that fetched it, in parallel, while only the SHA-256 has to run
// over the bytes in file order.
//
// It works for the reflected CRCs S3 offers (CRC-32, CRC-32C, CRC-64/NVME:
// initial value and final XOR all ones, as Go's hash/crc32 and hash/crc64
// compute them): crc(A‖B) = crc(A)·x^(8·len(B)) mod P  ⊕  crc(B). Values are
// polynomials over GF(2) in reflected bit order, the x^0 term in the top bit.
type crcJoin struct {
	top  uint64 // x^0
	poly uint64 // P without its x^width term, reflected
	// pow2[k] is x^(2^k) mod P.
	pow2 [64]uint64
	new  func() hash.Hash
	sum  func(hash.Hash) uint64
}

func newCRCJoin(width uint, poly uint64, newHash func() hash.Hash) *crcJoin {
	c := &crcJoin{top: 1 << (width - 1), poly: poly, new: newHash}
	c.pow2[0] = c.top >> 1 // x^1
	for k := 1; k < len(c.pow2); k++ {
		c.pow2[k] = c.mul(c.pow2[k-1], c.pow2[k-1])
	}
	if width == 32 {
		c.sum = func(h hash.Hash) uint64 { return uint64(h.(hash.Hash32).Sum32()) }
	} else {
		c.sum = func(h hash.Hash) uint64 { return h.(hash.Hash64).Sum64() }
	}
	return c
}

// mul returns a·b mod P.
func (c *crcJoin) mul(a, b uint64) uint64 {
	var p uint64
	for m := c.top; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ c.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// shift returns x^(8·n) mod P: the factor that moves a CRC n bytes left.
func (c *crcJoin) shift(n int64) uint64 { return c.xpow(uint64(n) << 3) }

// xpow returns x^n mod P.
func (c *crcJoin) xpow(n uint64) uint64 {
	p := c.top
	for k := 0; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			p = c.mul(c.pow2[k%len(c.pow2)], p)
		}
	}
	return p
}

// join returns the CRC of A‖B from crc(A), crc(B) and the length of B.
func (c *crcJoin) join(crcA, crcB uint64, lenB int64) uint64 {
	return c.mul(c.shift(lenB), crcA) ^ crcB
}

// The CRCs S3 computes, by the algorithm names of its checksums.
var crcJoins = map[string]*crcJoin{
	"CRC32": newCRCJoin(32, 0xedb88320, func() hash.Hash { return crc32.NewIEEE() }),
	"CRC32C": newCRCJoin(32, crc32.Castagnoli, func() hash.Hash {
		return crc32.New(castagnoli)
	}),
	"CRC64NVME": newCRCJoin(64, crc64NVME, func() hash.Hash { return newNVME() }),
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
