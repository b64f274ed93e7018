/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the emulator (decode.c and emulate.c): the opcode
 * descriptor format shared by the decoder tables and the executor.
 */
#ifndef KVMX_EMULATE_INTERNAL_H
#define KVMX_EMULATE_INTERNAL_H

#include "kvmx_emulate.h"

/* REX bits (SDM "REX Prefixes"). */
#define REX_B		0x01
#define REX_X		0x02
#define REX_R		0x04
#define REX_W		0x08

/* struct opcode_desc.flags */
#define OPF_MODRM		BIT(0)	/* a ModRM byte follows the opcode */
#define OPF_BYTE		BIT(1)	/* operand size is 8 bits */
#define OPF_DEF64		BIT(2)	/* 64-bit default operand size in long mode */
#define OPF_FORCE64		BIT(3)	/* 64-bit operand size in long mode, always */
#define OPF_INV64		BIT(4)	/* #UD in 64-bit mode */
#define OPF_LOCK		BIT(5)	/* LOCK allowed with a memory operand */
#define OPF_LOCK_GROUP		BIT(6)	/* LOCK allowed for some ModRM.reg values */
#define OPF_INVALID		BIT(7)	/* #UD in every mode */
#define OPF_GRP3		BIT(8)	/* F6/F7: only /0 and /1 carry the immediate */
#define OPF_STRING		BIT(9)	/* string instruction: REP applies */
#define OPF_PREFIX		BIT(10)	/* a legacy prefix (never an opcode) */
#define OPF_ESCAPE		BIT(11)	/* 0F, 0F 38, 0F 3A: another map follows */
#define OPF_MODRM_REG_ONLY	BIT(12)	/* ModRM always names a register (MOV CR) */
#define OPF_MEM_ONLY		BIT(13)	/* #UD with a register operand (MOVNTI) */
#define OPF_VEX			BIT(14)	/* C4/C5: VEX in 64-bit mode or with mod=3 */

/* struct opcode_desc.imm: which immediate follows ModRM/displacement. */
enum imm_kind {
	IMM_NONE,
	IMM_8,		/* imm8 */
	IMM_16,		/* imm16 (RET Iw) */
	IMM_Z,		/* imm16 or imm32 (sign-extended for 64-bit operands) */
	IMM_V,		/* imm16, imm32 or imm64 (MOV r, imm) */
	IMM_MOFFS,	/* an offset of address size (MOV A0-A3) */
	IMM_16_8,	/* imm16 then imm8 (ENTER) */
	IMM_FAR,	/* offset (16 or 32) then selector (CALLF/JMPF Ap) */
};

/* struct opcode_desc.exec: the emulate.c handler for the opcode. */
enum exec_id {
	EXEC_NONE,		/* decoded for length only: not emulated */
	EXEC_ALU,		/* 00-3D: ADD OR ADC SBB AND SUB XOR CMP */
	EXEC_GRP1,		/* 80-83: the same with an immediate */
	EXEC_TEST,		/* 84/85, A8/A9 */
	EXEC_GRP3,		/* F6/F7: TEST NOT NEG */
	EXEC_GRP4_5,		/* FE/FF: INC DEC */
	EXEC_INCDEC_REG,	/* 40-4F outside 64-bit mode */
	EXEC_MOV,		/* 88-8B */
	EXEC_MOV_IMM,		/* C6/C7 /0 */
	EXEC_MOV_IMM_REG,	/* B0-BF */
	EXEC_MOV_MOFFS,		/* A0-A3 */
	EXEC_MOVX,		/* 0F B6/B7/BE/BF */
	EXEC_MOVSXD,		/* 63 in 64-bit mode */
	EXEC_MOVNTI,		/* 0F C3 */
	EXEC_XCHG,		/* 86/87 */
	EXEC_XCHG_ACC,		/* 90-97 */
	EXEC_STRING,		/* MOVS CMPS STOS LODS SCAS */
	EXEC_BT,		/* 0F A3/AB/B3/BB, 0F BA /4-7 */
	EXEC_CMPXCHG,		/* 0F B0/B1 */
	EXEC_XADD,		/* 0F C0/C1 */
	EXEC_GRP9,		/* 0F C7 /1: CMPXCHG8B */
	EXEC_SETCC,		/* 0F 90-9F */
	EXEC_CMOVCC,		/* 0F 40-4F */
	EXEC_GRP2,		/* C0/C1, D0-D3: rotates and shifts */
	EXEC_GRP15,		/* 0F AE /6 /7: CLWB CLFLUSH CLFLUSHOPT */
	NR_EXEC_IDS,
};

struct opcode_desc {
	u16 flags;	/* OPF_* */
	u8 imm;		/* enum imm_kind */
	u8 exec;	/* enum exec_id */
};

#endif /* KVMX_EMULATE_INTERNAL_H */
