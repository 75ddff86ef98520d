// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* x86-64 instruction lengths (see x86_len.h). Tables follow the Intel SDM volume 2, appendix
 * A (opcode maps); opcodes invalid in 64-bit mode are refused rather than guessed, so a sweep
 * that goes wrong stops instead of placing a probe in the middle of an instruction. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "target/x86_len.h"

/* one-byte map: 1 = has ModRM */
static bool modrm1(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4; /* the ALU forms 00-03, 08-0b, ... 38-3b */
	switch (op) {
	case 0x63:
	case 0x69:
	case 0x6b:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xc7:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xf6:
	case 0xf7:
	case 0xfe:
	case 0xff:
		return true;
	default:
		return (op >= 0x80 && op <= 0x8f) || (op >= 0xd8 && op <= 0xdf);
	}
}

static bool invalid64(uint8_t op)
{
	switch (op) {
	case 0x06:
	case 0x07:
	case 0x0e:
	case 0x16:
	case 0x17:
	case 0x1e:
	case 0x1f:
	case 0x27:
	case 0x2f:
	case 0x37:
	case 0x3f:
	case 0x60:
	case 0x61:
	case 0x82:
	case 0x9a:
	case 0xce:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xea:
		return true;
	default:
		return false;
	}
}

/* immediate bytes of a one-byte opcode (F6/F7 and B8-BF are handled by the caller);
 * z = 2 or 4 by the operand size */
static size_t imm1(uint8_t op, size_t z)
{
	if (op < 0x40 && (op & 7) == 4)
		return 1; /* op al, imm8 */
	if (op < 0x40 && (op & 7) == 5)
		return z; /* op eax, imm32 */
	if (op >= 0x70 && op <= 0x7f)
		return 1;
	if (op >= 0xb0 && op <= 0xb7)
		return 1;
	if (op >= 0xe0 && op <= 0xe7)
		return 1;
	switch (op) {
	case 0x6a:
	case 0x6b:
	case 0x80:
	case 0x83:
	case 0xa8:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xcd:
	case 0xeb:
		return 1;
	case 0x68:
	case 0x69:
	case 0x81:
	case 0xa9:
	case 0xc7:
		return z;
	case 0xe8:
	case 0xe9:
		return 4; /* rel32: 66 does not shrink near branches in 64-bit mode (Intel) */
	case 0xc2:
	case 0xca:
		return 2;
	case 0xc8:
		return 3; /* enter imm16, imm8 */
	default:
		return 0;
	}
}

/* two-byte map 0F xx: has ModRM */
static bool modrm2(uint8_t op)
{
	if (op >= 0x30 && op <= 0x37)
		return false; /* wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec */
	if (op >= 0x80 && op <= 0x8f)
		return false; /* jcc rel32 */
	if (op >= 0xc8 && op <= 0xcf)
		return false; /* bswap */
	switch (op) {
	case 0x05:
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x0b:
	case 0x0e:
	case 0x77:
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa8:
	case 0xa9:
	case 0xaa:
		return false;
	default:
		return true;
	}
}

/* immediate bytes in map 0F (1), 0F38 (2), 0F3A (3); the same for VEX and EVEX */
static size_t imm_map(int map, uint8_t op)
{
	if (map == 3)
		return 1;
	if (map != 1)
		return 0;
	if (op >= 0x70 && op <= 0x73)
		return 1;
	if (op >= 0x80 && op <= 0x8f)
		return 4;
	switch (op) {
	case 0xa4:
	case 0xac:
	case 0xba:
	case 0xc2:
	case 0xc4:
	case 0xc5:
	case 0xc6:
		return 1;
	default:
		return 0;
	}
}

/* Length of ModRM (+ SIB + displacement) at c[0], or 0 when it runs past len */
static size_t modrm_len(const uint8_t *c, size_t len)
{
	uint8_t mod, rm;
	size_t n = 1;

	if (len < 1)
		return 0;
	mod = c[0] >> 6;
	rm = c[0] & 7;
	if (mod != 3) {
		if (rm == 4) {
			if (len < 2)
				return 0;
			n++;
			if (mod == 0 && (c[1] & 7) == 5)
				n += 4;
		}
		if (mod == 0 && rm == 5)
			n += 4; /* rip-relative */
		else if (mod == 1)
			n += 1;
		else if (mod == 2)
			n += 4;
	}
	return n <= len ? n : 0;
}

int x86__decode(const uint8_t *code, size_t len, size_t off, struct x86_insn *out)
{
	const uint8_t *c = code + off;
	size_t n = 0, avail = off < len ? len - off : 0, imm = 0, m;
	bool opsize = false, addrsize = false, rexw = false, has_modrm;
	uint8_t op;
	int map = 0;

	memset(out, 0, sizeof(*out));
	for (;; n++) { /* legacy prefixes */
		if (n >= avail)
			return -ENODATA;
		if (n == 14)
			return -EINVAL;
		switch (c[n]) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
			addrsize = true;
			continue;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
		case 0xf0:
		case 0xf2:
		case 0xf3:
			continue;
		}
		break;
	}
	if ((c[n] & 0xf0) == 0x40) { /* REX */
		rexw = c[n] & 8;
		if (++n >= avail)
			return -ENODATA;
	}
	op = c[n++];
	if (op == 0xc5 || op == 0xc4 || op == 0x62) { /* VEX2, VEX3, EVEX */
		size_t pfx = op == 0xc5 ? 1 : op == 0xc4 ? 2 : 3;

		if (n + pfx >= avail)
			return -ENODATA;
		map = op == 0xc5 ? 1 : c[n] & (op == 0xc4 ? 0x1f : 0x07);
		if (map < 1 || map > 6 || map == 4)
			return -EINVAL;
		n += pfx;
		op = c[n++];
		has_modrm = !(map == 1 && op == 0x77 && pfx < 3); /* vzeroupper, vzeroall */
		imm = imm_map(map, op);
		if (map == 1 && op >= 0x80 && op <= 0x8f)
			return -EINVAL; /* no VEX branches */
	} else if (op == 0x0f) {
		if (n >= avail)
			return -ENODATA;
		op = c[n++];
		if (op == 0x38 || op == 0x3a) {
			map = op == 0x38 ? 2 : 3;
			if (n >= avail)
				return -ENODATA;
			op = c[n++];
			has_modrm = true;
		} else if (op == 0x0f) { /* 3DNow!: ModRM, then an imm8 opcode suffix */
			map = 1;
			has_modrm = true;
			imm = 1;
		} else {
			map = 1;
			has_modrm = modrm2(op);
		}
		if (op != 0x0f || map != 1)
			imm = imm_map(map, op);
		if (map == 1 && op >= 0x80 && op <= 0x8f) {
			out->kind = X86_JMP_REL;
		}
	} else {
		if (invalid64(op))
			return -EINVAL;
		has_modrm = modrm1(op);
		if (op >= 0xb8 && op <= 0xbf)
			imm = rexw ? 8 : opsize ? 2 : 4;
		else if (op >= 0xa0 && op <= 0xa3)
			imm = addrsize ? 4 : 8; /* moffs */
		else
			imm = imm1(op, opsize && !rexw ? 2 : 4);
		if (op == 0xc3 || op == 0xc2)
			out->kind = X86_RET;
		else if (op == 0xeb || op == 0xe9 || (op >= 0x70 && op <= 0x7f))
			out->kind = X86_JMP_REL;
	}
	if (has_modrm) {
		if (n >= avail)
			return -ENODATA;
		if (map == 0 && (op == 0xf6 || op == 0xf7) && ((c[n] >> 3) & 7) < 2)
			imm = op == 0xf6 ? 1 : opsize && !rexw ? 2 : 4; /* test r/m, imm */
		if (map == 0 && op == 0xff && (((c[n] >> 3) & 7) == 4 || ((c[n] >> 3) & 7) == 5))
			out->kind = X86_JMP_IND;
		m = modrm_len(c + n, avail - n);
		if (!m)
			return -ENODATA;
		n += m;
	}
	if (n + imm > avail)
		return -ENODATA;
	n += imm;
	out->len = n;
	if (out->kind == X86_JMP_REL) {
		long long rel;

		if (imm == 1) {
			rel = (int8_t)c[n - 1];
		} else {
			int32_t r32;

			memcpy(&r32, c + n - 4, 4);
			rel = r32;
		}
		out->target = (long long)(off + n) + rel;
	}
	return 0;
}

int x86__find_returns(const uint8_t *code, size_t len, size_t *rets, size_t max, size_t *ret_cnt,
		      size_t *tail_exits, size_t *bad_off)
{
	size_t off = 0;

	*ret_cnt = 0;
	*tail_exits = 0;
	while (off < len) {
		struct x86_insn in;
		int err = x86__decode(code, len, off, &in);

		if (err) {
			*bad_off = off;
			return err;
		}
		if (in.kind == X86_RET) {
			if (*ret_cnt < max)
				rets[*ret_cnt] = off;
			(*ret_cnt)++;
		} else if (in.kind == X86_JMP_REL &&
			   (in.target < 0 || in.target >= (long long)len)) {
			(*tail_exits)++;
		}
		off += in.len;
	}
	return 0;
}
