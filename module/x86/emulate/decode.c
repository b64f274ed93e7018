// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction decoder: prefixes, opcode maps, ModRM/SIB, displacement
 * and immediates, for real, protected and 64-bit mode.  Pure code (see
 * kvmx_pure.h); the executing half lives in emulate.c.
 *
 * The opcode maps are data: one descriptor per opcode says whether a ModRM
 * byte follows, which immediate follows, how the operand size is chosen,
 * whether LOCK is allowed, whether the opcode exists in 64-bit mode, and
 * which emulate.c handler (if any) executes it.  Every opcode of the
 * one-byte and 0F maps is described so that kvmx_insn_length() works for
 * instructions the emulator does not execute.
 */
#include "kvmx_emulate.h"
#include "internal.h"

#define DESC(f, i, e)	{ .flags = (f), .imm = (i), .exec = (e) }

/* ALU ops that accept LOCK with a memory destination (not CMP). */
#define ALU_RM8		DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK, IMM_NONE, EXEC_ALU)
#define ALU_RMV		DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_ALU)
#define ALU_R8M		DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_ALU)
#define ALU_RVM		DESC(OPF_MODRM, IMM_NONE, EXEC_ALU)
#define ALU_AL_IMM	DESC(OPF_BYTE, IMM_8, EXEC_ALU)
#define ALU_AX_IMM	DESC(0, IMM_Z, EXEC_ALU)
#define CMP_RM8		DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_ALU)
#define CMP_RMV		DESC(OPF_MODRM, IMM_NONE, EXEC_ALU)

#define PLAIN		DESC(0, IMM_NONE, EXEC_NONE)
#define PLAIN_INV64	DESC(OPF_INV64, IMM_NONE, EXEC_NONE)
#define PREFIX		DESC(OPF_PREFIX, IMM_NONE, EXEC_NONE)
#define MODRM		DESC(OPF_MODRM, IMM_NONE, EXEC_NONE)
#define MODRM_IMM8	DESC(OPF_MODRM, IMM_8, EXEC_NONE)
#define ONLY_IMM8	DESC(OPF_BYTE, IMM_8, EXEC_NONE)
#define INVALID		DESC(OPF_INVALID, IMM_NONE, EXEC_NONE)

/*
 * The one-byte opcode map (SDM Vol. 2 Appendix A "Opcode Map", table
 * "One-byte Opcode Map").  No entry is initialised twice.
 */
static const struct opcode_desc onebyte_map[256] = {
	[0x00] = ALU_RM8, [0x01] = ALU_RMV, [0x02] = ALU_R8M, [0x03] = ALU_RVM,
	[0x04] = ALU_AL_IMM, [0x05] = ALU_AX_IMM,
	[0x06 ... 0x07] = PLAIN_INV64,		/* PUSH/POP ES */
	[0x08] = ALU_RM8, [0x09] = ALU_RMV, [0x0a] = ALU_R8M, [0x0b] = ALU_RVM,
	[0x0c] = ALU_AL_IMM, [0x0d] = ALU_AX_IMM,
	[0x0e] = PLAIN_INV64,			/* PUSH CS */
	[0x0f] = DESC(OPF_ESCAPE, IMM_NONE, EXEC_NONE),
	[0x10] = ALU_RM8, [0x11] = ALU_RMV, [0x12] = ALU_R8M, [0x13] = ALU_RVM,
	[0x14] = ALU_AL_IMM, [0x15] = ALU_AX_IMM,
	[0x16 ... 0x17] = PLAIN_INV64,		/* PUSH/POP SS */
	[0x18] = ALU_RM8, [0x19] = ALU_RMV, [0x1a] = ALU_R8M, [0x1b] = ALU_RVM,
	[0x1c] = ALU_AL_IMM, [0x1d] = ALU_AX_IMM,
	[0x1e ... 0x1f] = PLAIN_INV64,		/* PUSH/POP DS */
	[0x20] = ALU_RM8, [0x21] = ALU_RMV, [0x22] = ALU_R8M, [0x23] = ALU_RVM,
	[0x24] = ALU_AL_IMM, [0x25] = ALU_AX_IMM,
	[0x26] = PREFIX,			/* ES: */
	[0x27] = PLAIN_INV64,			/* DAA */
	[0x28] = ALU_RM8, [0x29] = ALU_RMV, [0x2a] = ALU_R8M, [0x2b] = ALU_RVM,
	[0x2c] = ALU_AL_IMM, [0x2d] = ALU_AX_IMM,
	[0x2e] = PREFIX,			/* CS: */
	[0x2f] = PLAIN_INV64,			/* DAS */
	[0x30] = ALU_RM8, [0x31] = ALU_RMV, [0x32] = ALU_R8M, [0x33] = ALU_RVM,
	[0x34] = ALU_AL_IMM, [0x35] = ALU_AX_IMM,
	[0x36] = PREFIX,			/* SS: */
	[0x37] = PLAIN_INV64,			/* AAA */
	[0x38] = CMP_RM8, [0x39] = CMP_RMV, [0x3a] = ALU_R8M, [0x3b] = ALU_RVM,
	[0x3c] = ALU_AL_IMM, [0x3d] = ALU_AX_IMM,
	[0x3e] = PREFIX,			/* DS: */
	[0x3f] = PLAIN_INV64,			/* AAS */
	/* INC/DEC r16/r32; REX prefixes in 64-bit mode (handled first). */
	[0x40 ... 0x4f] = DESC(0, IMM_NONE, EXEC_INCDEC_REG),
	[0x50 ... 0x5f] = DESC(OPF_DEF64, IMM_NONE, EXEC_NONE),	/* PUSH/POP */
	[0x60 ... 0x61] = PLAIN_INV64,		/* PUSHA/POPA */
	[0x62] = DESC(OPF_MODRM | OPF_INV64, IMM_NONE, EXEC_NONE),	/* BOUND */
	[0x63] = DESC(OPF_MODRM, IMM_NONE, EXEC_MOVSXD),	/* ARPL/MOVSXD */
	[0x64 ... 0x67] = PREFIX,		/* FS: GS: opsize addrsize */
	[0x68] = DESC(OPF_DEF64, IMM_Z, EXEC_NONE),		/* PUSH Iz */
	[0x69] = DESC(OPF_MODRM, IMM_Z, EXEC_NONE),		/* IMUL Gv,Ev,Iz */
	[0x6a] = DESC(OPF_DEF64, IMM_8, EXEC_NONE),		/* PUSH Ib */
	[0x6b] = MODRM_IMM8,					/* IMUL Gv,Ev,Ib */
	[0x6c ... 0x6f] = PLAIN,		/* INS/OUTS */
	[0x70 ... 0x7f] = DESC(OPF_FORCE64, IMM_8, EXEC_NONE),	/* Jcc rel8 */
	[0x80] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK_GROUP, IMM_8, EXEC_GRP1),
	[0x81] = DESC(OPF_MODRM | OPF_LOCK_GROUP, IMM_Z, EXEC_GRP1),
	[0x82] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK_GROUP | OPF_INV64, IMM_8, EXEC_GRP1),
	[0x83] = DESC(OPF_MODRM | OPF_LOCK_GROUP, IMM_8, EXEC_GRP1),
	[0x84] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_TEST),
	[0x85] = DESC(OPF_MODRM, IMM_NONE, EXEC_TEST),
	[0x86] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK, IMM_NONE, EXEC_XCHG),
	[0x87] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_XCHG),
	[0x88] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_MOV),
	[0x89] = DESC(OPF_MODRM, IMM_NONE, EXEC_MOV),
	[0x8a] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_MOV),
	[0x8b] = DESC(OPF_MODRM, IMM_NONE, EXEC_MOV),
	[0x8c ... 0x8e] = MODRM,		/* MOV Sreg, LEA */
	[0x8f] = DESC(OPF_MODRM | OPF_DEF64, IMM_NONE, EXEC_NONE),	/* POP Ev / XOP */
	[0x90 ... 0x97] = DESC(0, IMM_NONE, EXEC_XCHG_ACC),	/* XCHG/NOP/PAUSE */
	[0x98 ... 0x99] = PLAIN,		/* CBW/CWD */
	[0x9a] = DESC(OPF_INV64, IMM_FAR, EXEC_NONE),		/* CALLF Ap */
	[0x9b] = PLAIN,				/* FWAIT */
	[0x9c ... 0x9d] = DESC(OPF_DEF64, IMM_NONE, EXEC_NONE),	/* PUSHF/POPF */
	[0x9e ... 0x9f] = PLAIN,		/* SAHF/LAHF */
	[0xa0] = DESC(OPF_BYTE, IMM_MOFFS, EXEC_MOV_MOFFS),
	[0xa1] = DESC(0, IMM_MOFFS, EXEC_MOV_MOFFS),
	[0xa2] = DESC(OPF_BYTE, IMM_MOFFS, EXEC_MOV_MOFFS),
	[0xa3] = DESC(0, IMM_MOFFS, EXEC_MOV_MOFFS),
	[0xa4] = DESC(OPF_BYTE | OPF_STRING, IMM_NONE, EXEC_STRING),	/* MOVS */
	[0xa5] = DESC(OPF_STRING, IMM_NONE, EXEC_STRING),
	[0xa6] = DESC(OPF_BYTE | OPF_STRING, IMM_NONE, EXEC_STRING),	/* CMPS */
	[0xa7] = DESC(OPF_STRING, IMM_NONE, EXEC_STRING),
	[0xa8] = DESC(OPF_BYTE, IMM_8, EXEC_TEST),
	[0xa9] = DESC(0, IMM_Z, EXEC_TEST),
	[0xaa] = DESC(OPF_BYTE | OPF_STRING, IMM_NONE, EXEC_STRING),	/* STOS */
	[0xab] = DESC(OPF_STRING, IMM_NONE, EXEC_STRING),
	[0xac] = DESC(OPF_BYTE | OPF_STRING, IMM_NONE, EXEC_STRING),	/* LODS */
	[0xad] = DESC(OPF_STRING, IMM_NONE, EXEC_STRING),
	[0xae] = DESC(OPF_BYTE | OPF_STRING, IMM_NONE, EXEC_STRING),	/* SCAS */
	[0xaf] = DESC(OPF_STRING, IMM_NONE, EXEC_STRING),
	[0xb0 ... 0xb7] = DESC(OPF_BYTE, IMM_8, EXEC_MOV_IMM_REG),
	[0xb8 ... 0xbf] = DESC(0, IMM_V, EXEC_MOV_IMM_REG),
	[0xc0] = DESC(OPF_MODRM | OPF_BYTE, IMM_8, EXEC_GRP2),	/* shift Eb,Ib */
	[0xc1] = DESC(OPF_MODRM, IMM_8, EXEC_GRP2),		/* shift Ev,Ib */
	[0xc2] = DESC(OPF_FORCE64, IMM_16, EXEC_NONE),		/* RET Iw */
	[0xc3] = DESC(OPF_FORCE64, IMM_NONE, EXEC_NONE),	/* RET */
	[0xc4 ... 0xc5] = DESC(OPF_MODRM | OPF_VEX, IMM_NONE, EXEC_NONE),	/* LES/LDS */
	[0xc6] = DESC(OPF_MODRM | OPF_BYTE, IMM_8, EXEC_MOV_IMM),
	[0xc7] = DESC(OPF_MODRM, IMM_Z, EXEC_MOV_IMM),
	[0xc8] = DESC(OPF_DEF64, IMM_16_8, EXEC_NONE),		/* ENTER */
	[0xc9] = DESC(OPF_DEF64, IMM_NONE, EXEC_NONE),		/* LEAVE */
	[0xca] = DESC(0, IMM_16, EXEC_NONE),			/* RETF Iw */
	[0xcb ... 0xcc] = PLAIN,		/* RETF, INT3 */
	[0xcd] = ONLY_IMM8,			/* INT Ib */
	[0xce] = PLAIN_INV64,			/* INTO */
	[0xcf] = PLAIN,				/* IRET */
	[0xd0] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_GRP2),	/* by 1 */
	[0xd1] = DESC(OPF_MODRM, IMM_NONE, EXEC_GRP2),
	[0xd2] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_GRP2),	/* by CL */
	[0xd3] = DESC(OPF_MODRM, IMM_NONE, EXEC_GRP2),
	[0xd4 ... 0xd5] = DESC(OPF_INV64, IMM_8, EXEC_NONE),	/* AAM/AAD */
	[0xd6] = PLAIN_INV64,			/* SALC */
	[0xd7] = PLAIN,				/* XLAT */
	[0xd8 ... 0xdf] = MODRM,		/* x87 */
	[0xe0 ... 0xe3] = DESC(OPF_FORCE64, IMM_8, EXEC_NONE),	/* LOOPcc/JrCXZ */
	[0xe4 ... 0xe7] = ONLY_IMM8,		/* IN/OUT Ib */
	[0xe8 ... 0xe9] = DESC(OPF_FORCE64, IMM_Z, EXEC_NONE),	/* CALL/JMP rel */
	[0xea] = DESC(OPF_INV64, IMM_FAR, EXEC_NONE),		/* JMPF Ap */
	[0xeb] = DESC(OPF_FORCE64, IMM_8, EXEC_NONE),		/* JMP rel8 */
	[0xec ... 0xef] = PLAIN,		/* IN/OUT DX */
	[0xf0] = PREFIX,			/* LOCK */
	[0xf1] = PLAIN,				/* INT1 */
	[0xf2 ... 0xf3] = PREFIX,		/* REPNE/REP */
	[0xf4 ... 0xf5] = PLAIN,		/* HLT, CMC */
	[0xf6] = DESC(OPF_MODRM | OPF_BYTE | OPF_GRP3 | OPF_LOCK_GROUP, IMM_8, EXEC_GRP3),
	[0xf7] = DESC(OPF_MODRM | OPF_GRP3 | OPF_LOCK_GROUP, IMM_Z, EXEC_GRP3),
	[0xf8 ... 0xfd] = PLAIN,		/* CLC STC CLI STI CLD STD */
	[0xfe] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK_GROUP, IMM_NONE, EXEC_GRP4_5),
	[0xff] = DESC(OPF_MODRM | OPF_LOCK_GROUP, IMM_NONE, EXEC_GRP4_5),
};

/*
 * The two-byte (0F) map (SDM table "Two-byte Opcode Map").  Most SSE/MMX
 * entries are plain ModRM forms; mandatory prefixes do not change lengths
 * here except where noted.
 */
static const struct opcode_desc twobyte_map[256] = {
	[0x00 ... 0x03] = MODRM,		/* grp6, grp7, LAR, LSL */
	[0x04] = INVALID,
	[0x05 ... 0x09] = PLAIN,	/* SYSCALL CLTS SYSRET INVD WBINVD */
	[0x0a] = INVALID,
	[0x0b] = INVALID,			/* UD2 */
	[0x0c] = INVALID,
	[0x0d] = MODRM,				/* PREFETCHW / NOP Ev */
	[0x0e] = PLAIN,				/* FEMMS */
	[0x0f] = MODRM_IMM8,			/* 3DNow!: suffix byte */
	[0x10 ... 0x1f] = MODRM,		/* SSE moves, hints, NOP Ev */
	[0x20 ... 0x23] = DESC(OPF_MODRM | OPF_MODRM_REG_ONLY, IMM_NONE, EXEC_NONE),
	[0x24 ... 0x27] = INVALID,
	[0x28 ... 0x2f] = MODRM,
	[0x30 ... 0x35] = PLAIN,	/* WRMSR RDTSC RDMSR RDPMC SYSENTER SYSEXIT */
	[0x36] = INVALID,
	[0x37] = PLAIN,				/* GETSEC */
	[0x38] = DESC(OPF_ESCAPE, IMM_NONE, EXEC_NONE),
	[0x39] = INVALID,
	[0x3a] = DESC(OPF_ESCAPE, IMM_NONE, EXEC_NONE),
	[0x3b ... 0x3f] = INVALID,
	[0x40 ... 0x4f] = DESC(OPF_MODRM, IMM_NONE, EXEC_CMOVCC),
	[0x50 ... 0x6f] = MODRM,		/* SSE/MMX */
	[0x70 ... 0x73] = MODRM_IMM8,		/* PSHUF*, shift groups */
	[0x74 ... 0x76] = MODRM,
	[0x77] = PLAIN,				/* EMMS */
	[0x78 ... 0x7f] = MODRM,		/* VMREAD VMWRITE, SSE */
	[0x80 ... 0x8f] = DESC(OPF_FORCE64, IMM_Z, EXEC_NONE),	/* Jcc rel */
	[0x90 ... 0x9f] = DESC(OPF_MODRM | OPF_BYTE, IMM_NONE, EXEC_SETCC),
	[0xa0 ... 0xa2] = DESC(OPF_DEF64, IMM_NONE, EXEC_NONE),	/* PUSH/POP FS, CPUID */
	[0xa3] = DESC(OPF_MODRM, IMM_NONE, EXEC_BT),		/* BT Ev,Gv */
	[0xa4] = MODRM_IMM8,			/* SHLD Ib */
	[0xa5] = MODRM,				/* SHLD CL */
	[0xa6 ... 0xa7] = INVALID,
	[0xa8 ... 0xa9] = DESC(OPF_DEF64, IMM_NONE, EXEC_NONE),	/* PUSH/POP GS */
	[0xaa] = PLAIN,				/* RSM */
	[0xab] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_BT),	/* BTS */
	[0xac] = MODRM_IMM8,			/* SHRD Ib */
	[0xad] = MODRM,				/* SHRD CL */
	[0xae] = DESC(OPF_MODRM, IMM_NONE, EXEC_GRP15),	/* grp15 */
	[0xaf] = MODRM,				/* IMUL */
	[0xb0] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK, IMM_NONE, EXEC_CMPXCHG),
	[0xb1] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_CMPXCHG),
	[0xb2] = MODRM,				/* LSS */
	[0xb3] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_BT),	/* BTR */
	[0xb4 ... 0xb5] = MODRM,		/* LFS LGS */
	[0xb6 ... 0xb7] = DESC(OPF_MODRM, IMM_NONE, EXEC_MOVX),	/* MOVZX */
	[0xb8 ... 0xb9] = MODRM,		/* POPCNT, UD1 */
	[0xba] = DESC(OPF_MODRM | OPF_LOCK_GROUP, IMM_8, EXEC_BT),	/* grp8 */
	[0xbb] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_BT),	/* BTC */
	[0xbc ... 0xbd] = MODRM,		/* BSF BSR */
	[0xbe ... 0xbf] = DESC(OPF_MODRM, IMM_NONE, EXEC_MOVX),	/* MOVSX */
	[0xc0] = DESC(OPF_MODRM | OPF_BYTE | OPF_LOCK, IMM_NONE, EXEC_XADD),
	[0xc1] = DESC(OPF_MODRM | OPF_LOCK, IMM_NONE, EXEC_XADD),
	[0xc2] = MODRM_IMM8,			/* CMPccPS */
	[0xc3] = DESC(OPF_MODRM | OPF_MEM_ONLY, IMM_NONE, EXEC_MOVNTI),
	[0xc4 ... 0xc6] = MODRM_IMM8,		/* PINSRW PEXTRW SHUFPS */
	[0xc7] = DESC(OPF_MODRM | OPF_LOCK_GROUP, IMM_NONE, EXEC_GRP9),	/* grp9 */
	[0xc8 ... 0xcf] = PLAIN,		/* BSWAP */
	[0xd0 ... 0xfe] = MODRM,		/* SSE/MMX */
	[0xff] = MODRM,				/* UD0 (has ModRM on current CPUs) */
};

/* Three-byte maps: 0F 38 has a ModRM and no immediate, 0F 3A one imm8. */
static const struct opcode_desc map_0f38 = MODRM;
static const struct opcode_desc map_0f3a = MODRM_IMM8;

/* Where the decoder is within the byte buffer. */
struct decode_cursor {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
	int err;		/* first error; later reads return 0 */
};

/* Take the next byte: -E2BIG past 15 bytes beats -ENODATA past @avail. */
static u8 next_byte(struct decode_cursor *cur)
{
	if (cur->err)
		return 0;
	if (cur->pos >= KVMX_INSN_MAX_LEN) {
		cur->err = -E2BIG;
		return 0;
	}
	if (cur->pos >= cur->avail) {
		cur->err = -ENODATA;
		cur->pos++;	/* so the caller learns how many are needed */
		return 0;
	}
	return cur->bytes[cur->pos++];
}

/* Peek at the byte after the current one without consuming it. */
static int peek_byte(const struct decode_cursor *cur, u8 *out)
{
	if (cur->pos >= KVMX_INSN_MAX_LEN)
		return -E2BIG;
	if (cur->pos >= cur->avail)
		return -ENODATA;
	*out = cur->bytes[cur->pos];
	return 0;
}

/* Read @n little-endian bytes, sign-extended to 64 bits. */
static s64 next_signed(struct decode_cursor *cur, unsigned int n)
{
	u64 val = 0;
	unsigned int i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		val |= (u64)next_byte(cur) << (8 * i);
	if (n < 8 && (val & (1ULL << (8 * n - 1))))
		val |= ~0ULL << (8 * n);
	return (s64)val;
}

/* Read @n little-endian bytes, zero-extended. */
static u64 next_unsigned(struct decode_cursor *cur, unsigned int n)
{
	u64 val = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		val |= (u64)next_byte(cur) << (8 * i);
	return val;
}

/* Record one legacy prefix; false if @b is not one. */
static bool decode_legacy_prefix(struct kvmx_insn *insn, u8 b)
{
	switch (b) {
	case 0xf0:
		insn->lock = true;
		return true;
	case 0xf2:
	case 0xf3:
		insn->rep = b;
		return true;
	case 0x26:
		insn->seg_override = KVMX_SEG_ES;
		return true;
	case 0x2e:
		insn->seg_override = KVMX_SEG_CS;
		return true;
	case 0x36:
		insn->seg_override = KVMX_SEG_SS;
		return true;
	case 0x3e:
		insn->seg_override = KVMX_SEG_DS;
		return true;
	case 0x64:
		insn->seg_override = KVMX_SEG_FS;
		return true;
	case 0x65:
		insn->seg_override = KVMX_SEG_GS;
		return true;
	case 0x66:
		insn->opsize_prefix = true;
		return true;
	case 0x67:
		insn->addrsize_prefix = true;
		return true;
	default:
		return false;
	}
}

/* Operand size (SDM "Operand-Size and Address-Size Attributes"). */
static u8 operand_size(const struct kvmx_insn *insn, u32 flags,
		       enum kvmx_cpu_mode mode)
{
	if (flags & OPF_BYTE)
		return 1;
	if (mode == KVMX_MODE_LONG64) {
		/*
		 * Near branches always use 64 bits here: Intel ignores 66.
		 * TODO: AMD honours 66 (16-bit target); lengths still agree
		 * except for 66-prefixed rel32 branches, which no compiler
		 * emits.
		 */
		if (flags & OPF_FORCE64)
			return 8;
		if (insn->rex & REX_W)
			return 8;
		if (insn->opsize_prefix)
			return 2;
		return (flags & OPF_DEF64) ? 8 : 4;
	}
	if (mode == KVMX_MODE_PROT32)
		return insn->opsize_prefix ? 2 : 4;
	return insn->opsize_prefix ? 4 : 2;
}

static u8 address_size(const struct kvmx_insn *insn, enum kvmx_cpu_mode mode)
{
	if (mode == KVMX_MODE_LONG64)
		return insn->addrsize_prefix ? 4 : 8;
	if (mode == KVMX_MODE_PROT32)
		return insn->addrsize_prefix ? 2 : 4;
	return insn->addrsize_prefix ? 4 : 2;
}

/* ModRM, SIB and displacement (SDM "ModR/M and SIB Bytes"). */
static void decode_modrm(struct decode_cursor *cur, struct kvmx_insn *insn,
			 u32 flags, enum kvmx_cpu_mode mode)
{
	u8 mod, rm;

	insn->modrm = next_byte(cur);
	insn->has_modrm = true;
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;
	/* MOV to/from CR/DR: always a register operand, whatever mod says. */
	if (mod == 3 || (flags & OPF_MODRM_REG_ONLY))
		return;
	insn->has_mem = true;

	if (insn->addr_bytes == 2) {
		if (mod == 1)
			insn->disp_bytes = 1;
		else if (mod == 2 || rm == 6)
			insn->disp_bytes = 2;
	} else {
		if (rm == 4) {
			insn->sib = next_byte(cur);
			insn->has_sib = true;
		}
		if (mod == 1) {
			insn->disp_bytes = 1;
		} else if (mod == 2) {
			insn->disp_bytes = 4;
		} else if (rm == 5) {
			insn->disp_bytes = 4;
			insn->rip_relative = mode == KVMX_MODE_LONG64;
		} else if (insn->has_sib && (insn->sib & 7) == 5) {
			insn->disp_bytes = 4;
		}
	}
	insn->disp = next_signed(cur, insn->disp_bytes);
}

static void decode_immediates(struct decode_cursor *cur, struct kvmx_insn *insn,
			      const struct opcode_desc *desc)
{
	u8 z = insn->op_bytes == 2 ? 2 : 4;

	switch (desc->imm) {
	case IMM_NONE:
		break;
	case IMM_8:
		insn->imm_bytes = 1;
		break;
	case IMM_16:
		insn->imm_bytes = 2;
		break;
	case IMM_Z:
		insn->imm_bytes = z;
		break;
	case IMM_V:
		insn->imm_bytes = insn->op_bytes;
		break;
	case IMM_MOFFS:
		/* The moffs is an unsigned offset: kept in disp. */
		insn->disp_bytes = insn->addr_bytes;
		insn->disp = (s64)next_unsigned(cur, insn->addr_bytes);
		insn->has_mem = true;
		return;
	case IMM_16_8:
		insn->imm_bytes = 2;
		insn->imm2_bytes = 1;
		break;
	case IMM_FAR:
		insn->imm_bytes = z;
		insn->imm2_bytes = 2;
		break;
	}
	/*
	 * AMD SSE4a EXTRQ (66 0F 78 /0) and INSERTQ (F2 0F 78) take two imm8;
	 * without those prefixes 0F 78 is VMREAD, which takes none.
	 */
	if (insn->map == 1 && insn->opcode == 0x78 &&
	    (insn->opsize_prefix || insn->rep == 0xf2)) {
		insn->imm_bytes = 1;
		insn->imm2_bytes = 1;
	}
	/* Group 3 TEST (/0, /1) is the only F6/F7 form with an immediate. */
	if ((desc->flags & OPF_GRP3) && ((insn->modrm >> 3) & 7) > 1)
		insn->imm_bytes = 0;
	insn->imm = (u64)next_signed(cur, insn->imm_bytes);
	insn->imm2 = next_unsigned(cur, insn->imm2_bytes);
}

/* Which group members accept LOCK (SDM "LOCK-Assert LOCK# Signal Prefix"). */
static bool group_lockable(const struct kvmx_insn *insn)
{
	u8 reg = (insn->modrm >> 3) & 7;

	if (insn->map == 0) {
		switch (insn->opcode) {
		case 0x80 ... 0x83:
			return reg != 7;		/* all but CMP */
		case 0xf6 ... 0xf7:
			return reg == 2 || reg == 3;	/* NOT, NEG */
		case 0xfe ... 0xff:
			return reg <= 1;		/* INC, DEC */
		}
	} else if (insn->map == 1) {
		if (insn->opcode == 0xba)
			return reg >= 5;		/* BTS BTR BTC */
		if (insn->opcode == 0xc7)
			return reg == 1;		/* CMPXCHG8B/16B */
	}
	return false;
}

static bool lock_allowed(const struct kvmx_insn *insn, u32 flags)
{
	/* AMD: LOCK MOV CR0 is MOV CR8 ("AltMovCr8"), outside 64-bit mode too. */
	if (insn->map == 1 && (insn->opcode == 0x20 || insn->opcode == 0x22))
		return true;
	if (!insn->has_mem || !insn->has_modrm)
		return false;
	if (flags & OPF_LOCK)
		return true;
	return (flags & OPF_LOCK_GROUP) && group_lockable(insn);
}

/*
 * VEX (C4/C5) and EVEX (62) take over LES/LDS/BOUND in 64-bit mode and,
 * elsewhere, when the next byte would be a register-form ModRM.
 */
static bool is_vex_or_evex(const struct decode_cursor *cur, u8 opcode,
			   enum kvmx_cpu_mode mode)
{
	u8 next;

	if (opcode != 0xc4 && opcode != 0xc5 && opcode != 0x62)
		return false;
	if (mode == KVMX_MODE_LONG64)
		return true;
	if (mode == KVMX_MODE_REAL || mode == KVMX_MODE_VM86)
		return false;
	return !peek_byte(cur, &next) && (next >> 6) == 3;
}

/* Opcode byte(s): pick the map and the descriptor. */
static const struct opcode_desc *decode_opcode(struct decode_cursor *cur,
					       struct kvmx_insn *insn, u8 first)
{
	u8 b;

	if (first != 0x0f) {
		insn->map = 0;
		insn->opcode = first;
		return &onebyte_map[first];
	}
	b = next_byte(cur);
	if (b == 0x38 || b == 0x3a) {
		insn->map = b == 0x38 ? 2 : 3;
		insn->opcode = next_byte(cur);
		return b == 0x38 ? &map_0f38 : &map_0f3a;
	}
	insn->map = 1;
	insn->opcode = b;
	return &twobyte_map[b];
}

int kvmx_insn_decode(struct kvmx_insn *insn, const u8 *bytes,
		     unsigned int avail, enum kvmx_cpu_mode mode)
{
	struct decode_cursor cur = { .bytes = bytes, .avail = avail };
	const struct opcode_desc *desc;
	u32 flags;
	u8 b;

	memset(insn, 0, sizeof(*insn));
	insn->seg_override = -1;

	/* Legacy prefixes in any order; a REX counts only right before the opcode. */
	for (;;) {
		b = next_byte(&cur);
		if (cur.err)
			goto out;
		if (decode_legacy_prefix(insn, b)) {
			insn->rex = 0;
			continue;
		}
		if (mode == KVMX_MODE_LONG64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			continue;
		}
		break;
	}

	if (is_vex_or_evex(&cur, b, mode)) {
		cur.err = -EOPNOTSUPP;
		goto out;
	}
	desc = decode_opcode(&cur, insn, b);
	if (cur.err)
		goto out;
	flags = desc->flags;
	insn->table_flags = flags;
	insn->exec = desc->exec;
	if (flags & (OPF_ESCAPE | OPF_PREFIX)) {
		cur.err = -EOPNOTSUPP;	/* cannot happen with the tables above */
		goto out;
	}

	insn->op_bytes = operand_size(insn, flags, mode);
	insn->addr_bytes = address_size(insn, mode);

	if ((flags & OPF_INVALID) ||
	    (mode == KVMX_MODE_LONG64 && (flags & OPF_INV64))) {
		cur.err = -EILSEQ;
		goto out;
	}

	if (flags & OPF_MODRM)
		decode_modrm(&cur, insn, flags, mode);
	/* Group 5: near CALL/JMP (/2, /4) and PUSH (/6) default to 64 bits. */
	if (insn->map == 0 && insn->opcode == 0xff) {
		u8 reg = (insn->modrm >> 3) & 7;

		if (reg == 2 || reg == 4)
			insn->op_bytes = operand_size(insn, flags | OPF_FORCE64, mode);
		else if (reg == 6)
			insn->op_bytes = operand_size(insn, flags | OPF_DEF64, mode);
	}
	decode_immediates(&cur, insn, desc);
	if (cur.err)
		goto out;

	/* AMD XOP (8F with ModRM.reg != 0) is not decoded. */
	if (insn->map == 0 && insn->opcode == 0x8f && ((insn->modrm >> 3) & 7)) {
		cur.err = -EOPNOTSUPP;
		goto out;
	}
	if ((flags & OPF_MEM_ONLY) && !insn->has_mem)
		cur.err = -EILSEQ;
	else if (insn->lock && !lock_allowed(insn, flags))
		cur.err = -EILSEQ;
out:
	insn->len = cur.pos > 0xff ? 0xff : cur.pos;
	return cur.err;
}

int kvmx_insn_length(const u8 *bytes, unsigned int avail, enum kvmx_cpu_mode mode)
{
	struct kvmx_insn insn;
	int ret;

	ret = kvmx_insn_decode(&insn, bytes, avail, mode);
	/* An undefined opcode still has a length, but skipping it is wrong. */
	return ret ? ret : insn.len;
}
