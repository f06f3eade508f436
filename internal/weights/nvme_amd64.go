package weights

import "golang.org/x/sys/cpu"

var haveFold = cpu.X86.HasPCLMULQDQ && cpu.X86.HasSSE41

// fold16 folds p (a multiple of 16 bytes, at least 16) into a 128-bit
// remainder after XORing reg into its first 8 bytes; k holds the folding
// constants. It returns the remainder's two halves, first bytes in lo.
//
//go:noescape
func fold16(reg uint64, p []byte, k *[2]uint64) (lo, hi uint64)
