//go:build unix

package weights

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

// TestNVMEUpdateMatchesTheTables checks the folded CRC-64/NVME against the
// standard library's table-driven one: every length up to 300 bytes and
// random longer ones, at every alignment, from random starting values, in
// random pieces.
func TestNVMEUpdateMatchesTheTables(t *testing.T) {
	t.Parallel()
	if !haveFold {
		t.Log("no carry-less multiply on this CPU: nvmeUpdate is the table version")
	}
	r := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 1<<17)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	check := func(start uint64, p []byte) {
		t.Helper()
		if got, want := nvmeUpdate(start, p), crc64.Update(start, nvmeTable, p); got != want {
			t.Fatalf("nvmeUpdate(%#x, %d bytes at offset %d) = %#x, want %#x", start, len(p), cap(data)-cap(p), got, want)
		}
	}
	for n := range 301 {
		for off := range 16 {
			check(0, data[off:off+n])
			check(r.Uint64(), data[off:off+n])
		}
	}
	for range 300 {
		off := r.IntN(64)
		check(r.Uint64(), data[off:off+r.IntN(len(data)-off)])
	}
	// In pieces through the hash, as the range workers feed it.
	for range 50 {
		whole := data[:r.IntN(len(data))]
		h := newNVME()
		for rest := whole; len(rest) > 0; {
			n := r.IntN(len(rest) + 1)
			h.Write(rest[:n])
			rest = rest[n:]
		}
		if got, want := h.Sum64(), crc64.Checksum(whole, nvmeTable); got != want {
			t.Fatalf("CRC64NVME of %d bytes in pieces = %#x, want %#x", len(whole), got, want)
		}
	}
	// The catalogue's check value.
	if got := nvmeUpdate(0, []byte("123456789")); got != 0xAE8B14860A799888 {
		t.Fatalf("check value %#x", got)
	}
}

func BenchmarkNVME(b *testing.B) {
	p := make([]byte, 256<<10)
	b.Run("tables", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			crc64.Update(0, nvmeTable, p)
		}
	})
	b.Run("folded", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			nvmeUpdate(0, p)
		}
	})
}
