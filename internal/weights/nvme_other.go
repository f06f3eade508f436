//go:build !amd64

package weights

const haveFold = false

func fold16(uint64, []byte, *[2]uint64) (lo, hi uint64) { panic("fold16: no carry-less multiply here") }
