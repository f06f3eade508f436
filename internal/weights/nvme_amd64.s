#include "textflag.h"

// func fold16(reg uint64, p []byte, k *[2]uint64) (lo, hi uint64)
TEXT ·fold16(SB), NOSPLIT, $0-56
	MOVQ reg+0(FP), AX
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), CX
	MOVQ k+32(FP), DX
	MOVOU (SI), X0          // S: the first 16 bytes
	MOVQ AX, X1             // upper half zeroed
	PXOR X1, X0             // reg XORed into the first 8 bytes
	MOVOU (DX), X2          // X2.lo = x^191 mod P, X2.hi = x^127 mod P
	ADDQ $16, SI
	SUBQ $16, CX

loop:
	CMPQ CX, $16
	JB   done
	MOVOU X0, X1
	PCLMULQDQ $0x00, X2, X0 // S.lo · x^191
	PCLMULQDQ $0x11, X2, X1 // S.hi · x^127
	PXOR X1, X0
	MOVOU (SI), X3
	PXOR X3, X0             // plus the next 16 bytes
	ADDQ $16, SI
	SUBQ $16, CX
	JMP  loop

done:
	MOVQ X0, AX
	PEXTRQ $1, X0, BX
	MOVQ AX, lo+40(FP)
	MOVQ BX, hi+48(FP)
	RET
