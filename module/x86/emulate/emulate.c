// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction emulator: executes what decode.c decoded, for the
 * instructions guests use on MMIO (MOV forms, ALU with memory, string
 * instructions, XCHG, BT*, CMPXCHG, XADD).  Pure code (see kvmx_pure.h).
 *
 * Commit rule: handlers change only ctxt->work_regs / ctxt->work_rflags;
 * kvmx_emulate() copies them to regs/rflags and advances RIP only when the
 * handler and all of its callbacks returned DONE.  Every read precedes the
 * one write of an instruction, so an EXIT from a read leaves no trace and
 * the instruction can be run again when the data is known.
 */
#include "kvmx_emulate.h"
#include "internal.h"

/* ALU operations in the order of their opcode rows and ModRM.reg in 80-83. */
enum alu_op {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
};

/* An operand during execution: a register, memory or an immediate. */
struct operand {
	enum kvmx_operand_kind kind;
	u8 size;	/* bytes */
	u8 reg;		/* KVMX_OPND_REG: GPR index */
	bool high8;	/* KVMX_OPND_REG, size 1: AH CH DH BH */
	u64 la;		/* KVMX_OPND_MEM: linear address */
	u64 val;	/* the value read, or to write */
};

typedef enum kvmx_emul_result (*exec_fn)(struct kvmx_emul_ctxt *ctxt);

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 sign_bit(unsigned int size)
{
	return 1ULL << (8 * size - 1);
}

static u64 sign_extend(u64 val, unsigned int size)
{
	if (size >= 8)
		return val;
	val &= size_mask(size);
	return (val & sign_bit(size)) ? val | ~size_mask(size) : val;
}

static u8 modrm_reg(const struct kvmx_insn *insn)
{
	return ((insn->modrm >> 3) & 7) | ((insn->rex & REX_R) ? 8 : 0);
}

static u8 modrm_rm(const struct kvmx_insn *insn)
{
	return (insn->modrm & 7) | ((insn->rex & REX_B) ? 8 : 0);
}

static u8 modrm_group_op(const struct kvmx_insn *insn)
{
	return (insn->modrm >> 3) & 7;
}

/* ---- Registers (the uncommitted copy) ---- */

/* Build a register operand; 8-bit 4..7 without REX are AH CH DH BH. */
static void reg_operand(const struct kvmx_emul_ctxt *ctxt, struct operand *op,
			u8 reg, u8 size)
{
	op->kind = KVMX_OPND_REG;
	op->size = size;
	op->high8 = size == 1 && !ctxt->insn.rex && reg >= 4 && reg <= 7;
	op->reg = op->high8 ? reg - 4 : reg;
}

static u64 reg_read(const struct kvmx_emul_ctxt *ctxt, const struct operand *op)
{
	u64 val = ctxt->work_regs[op->reg];

	if (op->high8)
		val >>= 8;
	return val & size_mask(op->size);
}

/* 32-bit writes zero-extend; 8- and 16-bit writes merge. */
static void reg_write(struct kvmx_emul_ctxt *ctxt, const struct operand *op, u64 val)
{
	u64 *reg = &ctxt->work_regs[op->reg];

	switch (op->size) {
	case 1:
		if (op->high8)
			*reg = (*reg & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			*reg = (*reg & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*reg = val & 0xffffffffULL;
		break;
	default:
		*reg = val;
		break;
	}
}

/* Write a register of address size (RSI/RDI/RCX updates of string ops). */
static void reg_write_addr(struct kvmx_emul_ctxt *ctxt, u8 reg, u8 addr_bytes, u64 val)
{
	struct operand op;

	op.kind = KVMX_OPND_REG;
	op.size = addr_bytes;
	op.reg = reg;
	op.high8 = false;
	reg_write(ctxt, &op, val);
}

/* ---- Addresses ---- */

static bool is_canonical(const struct kvmx_emul_ctxt *ctxt, u64 la)
{
	unsigned int bits = ctxt->la57 ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

/* The emulator's own exceptions (#UD, #GP, #SS); never a #PF. */
static enum kvmx_emul_result raise_exception(struct kvmx_emul_ctxt *ctxt,
					     u8 vector, bool has_error,
					     u32 error_code)
{
	ctxt->exception.vector = vector;
	ctxt->exception.error_code_valid = has_error;
	ctxt->exception.error_code = error_code;
	ctxt->exception.address = 0;
	return KVMX_EMUL_EXCEPTION;
}

/*
 * Segment base + offset (SDM "Segmentation in IA-32e Mode"): in 64-bit mode
 * only FS and GS have a base and the result must be canonical (#SS(0) for
 * stack references, else #GP(0)); elsewhere the linear address is 32 bits.
 * TODO: segment limit and type checks.
 */
static enum kvmx_emul_result linear_address(struct kvmx_emul_ctxt *ctxt, u8 seg,
					    u64 ea, u64 *la)
{
	if (ctxt->mode == KVMX_MODE_LONG64) {
		*la = ea;
		if (seg == KVMX_SEG_FS || seg == KVMX_SEG_GS)
			*la += ctxt->seg_base[seg];
		if (!is_canonical(ctxt, *la))
			return raise_exception(ctxt, seg == KVMX_SEG_SS ?
					       KVMX_VEC_SS : KVMX_VEC_GP, true, 0);
		return KVMX_EMUL_DONE;
	}
	*la = (ctxt->seg_base[seg] + ea) & 0xffffffffULL;
	return KVMX_EMUL_DONE;
}

/* The segment for a DS-default access, honouring an override. */
static u8 data_segment(const struct kvmx_insn *insn, u8 def)
{
	return insn->seg_override >= 0 ? (u8)insn->seg_override : def;
}

/* 16-bit ModRM addressing (SDM table "16-Bit Addressing Forms"). */
static u64 ea_16(const struct kvmx_emul_ctxt *ctxt, u8 *def_seg)
{
	static const s8 base_reg[8] = {
		KVMX_RBX, KVMX_RBX, KVMX_RBP, KVMX_RBP, -1, -1, KVMX_RBP, KVMX_RBX,
	};
	static const s8 index_reg[8] = {
		KVMX_RSI, KVMX_RDI, KVMX_RSI, KVMX_RDI, KVMX_RSI, KVMX_RDI, -1, -1,
	};
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 mod = insn->modrm >> 6, rm = insn->modrm & 7;
	u64 ea = (u64)insn->disp;

	*def_seg = KVMX_SEG_DS;
	if (mod == 0 && rm == 6)
		return ea & 0xffff;	/* disp16 alone */
	if (base_reg[rm] >= 0)
		ea += ctxt->work_regs[base_reg[rm]];
	if (index_reg[rm] >= 0)
		ea += ctxt->work_regs[index_reg[rm]];
	if (base_reg[rm] == KVMX_RBP)
		*def_seg = KVMX_SEG_SS;
	return ea & 0xffff;
}

/* 32/64-bit ModRM/SIB addressing, including RIP-relative. */
static u64 ea_32_64(const struct kvmx_emul_ctxt *ctxt, u8 *def_seg)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 mod = insn->modrm >> 6;
	u64 ea = (u64)insn->disp;
	u8 base;

	*def_seg = KVMX_SEG_DS;
	if (insn->rip_relative)
		return ea + ctxt->rip + insn->len;
	if (insn->has_sib) {
		u8 index = ((insn->sib >> 3) & 7) | ((insn->rex & REX_X) ? 8 : 0);

		if (index != KVMX_RSP)
			ea += ctxt->work_regs[index] << (insn->sib >> 6);
		base = insn->sib & 7;
		if (base == 5 && mod == 0)
			return ea;	/* disp32, no base */
	} else {
		base = insn->modrm & 7;
		if (base == 5 && mod == 0)
			return ea;	/* disp32 (32-bit mode) */
	}
	if (base == KVMX_RSP || base == KVMX_RBP)
		*def_seg = KVMX_SEG_SS;
	return ea + ctxt->work_regs[base | ((insn->rex & REX_B) ? 8 : 0)];
}

/* Fill insn->ea, mem_seg and la for a ModRM or moffs memory operand. */
static enum kvmx_emul_result memory_operand_address(struct kvmx_emul_ctxt *ctxt)
{
	struct kvmx_insn *insn = &ctxt->insn;
	u8 def_seg = KVMX_SEG_DS;
	u64 ea;

	if (!insn->has_modrm)
		ea = (u64)insn->disp;	/* moffs */
	else if (insn->addr_bytes == 2)
		ea = ea_16(ctxt, &def_seg);
	else
		ea = ea_32_64(ctxt, &def_seg);
	insn->ea = ea & size_mask(insn->addr_bytes);
	insn->mem_seg = data_segment(insn, def_seg);
	return linear_address(ctxt, insn->mem_seg, insn->ea, &insn->la);
}

/* ---- Memory through the callbacks ---- */

/*
 * Read through the optional read cache: replay what an earlier, exited run
 * of this instruction read, else call ops->read and remember the bytes.
 */
static enum kvmx_emul_result cached_read(struct kvmx_emul_ctxt *ctxt, u64 la,
					 u8 *buf, unsigned int size)
{
	struct kvmx_emul_read_cache *cache = ctxt->read_cache;
	enum kvmx_emul_result ret;

	if (cache && cache->pos + size <= cache->len) {
		memcpy(buf, cache->data + cache->pos, size);
		cache->pos += size;
		return KVMX_EMUL_DONE;
	}
	ret = ctxt->ops->read(ctxt, la, buf, size);
	if (ret != KVMX_EMUL_DONE)
		return ret == KVMX_EMUL_EXIT ? KVMX_EMUL_EXIT : KVMX_EMUL_FAULT;
	if (cache && cache->pos == cache->len &&
	    cache->len + size <= sizeof(cache->data)) {
		memcpy(cache->data + cache->len, buf, size);
		cache->len += size;
		cache->pos = cache->len;
	}
	return KVMX_EMUL_DONE;
}

/*
 * The first byte of an operand was checked when its address was formed;
 * in 64-bit mode the last one must be canonical too.  TODO: #SS instead of
 * #GP for a stack access straddling the boundary.
 */
static bool access_straddles_canonical(const struct kvmx_emul_ctxt *ctxt, u64 la,
				       unsigned int size)
{
	return ctxt->mode == KVMX_MODE_LONG64 && !is_canonical(ctxt, la + size - 1);
}

static enum kvmx_emul_result mem_read(struct kvmx_emul_ctxt *ctxt, u64 la,
				      unsigned int size, u64 *val)
{
	u8 buf[KVMX_EMUL_MAX_ACCESS];
	enum kvmx_emul_result ret;
	unsigned int i;

	if (access_straddles_canonical(ctxt, la, size))
		return raise_exception(ctxt, KVMX_VEC_GP, true, 0);
	ret = cached_read(ctxt, la, buf, size);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u64)buf[i] << (8 * i);
	return KVMX_EMUL_DONE;
}

static enum kvmx_emul_result mem_write(struct kvmx_emul_ctxt *ctxt, u64 la,
				       unsigned int size, u64 val)
{
	u8 buf[KVMX_EMUL_MAX_ACCESS];
	enum kvmx_emul_result ret;
	unsigned int i;

	if (access_straddles_canonical(ctxt, la, size))
		return raise_exception(ctxt, KVMX_VEC_GP, true, 0);
	for (i = 0; i < size; i++)
		buf[i] = (u8)(val >> (8 * i));
	ret = ctxt->ops->write(ctxt, la, buf, size);
	if (ret != KVMX_EMUL_DONE)
		return ret == KVMX_EMUL_EXIT ? KVMX_EMUL_EXIT : KVMX_EMUL_FAULT;
	return KVMX_EMUL_DONE;
}

/* ---- Operands ---- */

/* The r/m operand: a register (mod = 3) or the decoded memory operand. */
static void rm_operand(const struct kvmx_emul_ctxt *ctxt, struct operand *op, u8 size)
{
	const struct kvmx_insn *insn = &ctxt->insn;

	if (!insn->has_mem) {
		reg_operand(ctxt, op, modrm_rm(insn), size);
		return;
	}
	op->kind = KVMX_OPND_MEM;
	op->size = size;
	op->la = insn->la;
}

static void imm_operand(struct operand *op, u64 val, u8 size)
{
	op->kind = KVMX_OPND_IMM;
	op->size = size;
	op->val = val & size_mask(size);
}

static enum kvmx_emul_result opnd_read(struct kvmx_emul_ctxt *ctxt, struct operand *op)
{
	switch (op->kind) {
	case KVMX_OPND_REG:
		op->val = reg_read(ctxt, op);
		return KVMX_EMUL_DONE;
	case KVMX_OPND_MEM:
		return mem_read(ctxt, op->la, op->size, &op->val);
	case KVMX_OPND_IMM:
		return KVMX_EMUL_DONE;
	default:
		return KVMX_EMUL_UNHANDLED;
	}
}

static enum kvmx_emul_result opnd_write(struct kvmx_emul_ctxt *ctxt,
					const struct operand *op, u64 val)
{
	switch (op->kind) {
	case KVMX_OPND_REG:
		reg_write(ctxt, op, val);
		return KVMX_EMUL_DONE;
	case KVMX_OPND_MEM:
		return mem_write(ctxt, op->la, op->size, val & size_mask(op->size));
	default:
		return KVMX_EMUL_UNHANDLED;
	}
}

/* ---- RFLAGS (SDM Vol. 1 "EFLAGS Register", and each instruction's page) ---- */

static u64 flags_szp(u64 res, unsigned int size)
{
	u64 flags = 0;
	u8 low = (u8)res;

	res &= size_mask(size);
	if (!res)
		flags |= KVMX_RFLAGS_ZF;
	if (res & sign_bit(size))
		flags |= KVMX_RFLAGS_SF;
	low ^= low >> 4;
	low ^= low >> 2;
	low ^= low >> 1;
	if (!(low & 1))
		flags |= KVMX_RFLAGS_PF;	/* even number of set bits */
	return flags;
}

/*
 * Compute @a op @b at @size; return the new arithmetic flags and store the
 * result in *res.  The carry-in for ADC/SBB comes from @rflags.  Logical ops
 * clear CF, OF and AF (AF is architecturally undefined; hardware clears it).
 */
static u64 alu_compute(enum alu_op op, u64 a, u64 b, unsigned int size,
		       u64 rflags, u64 *res)
{
	u64 mask = size_mask(size), sb = sign_bit(size);
	u64 carry = 0, r, flags = 0;

	a &= mask;
	b &= mask;
	switch (op) {
	case ALU_ADC:
		carry = rflags & KVMX_RFLAGS_CF ? 1 : 0;
		fallthrough;
	case ALU_ADD:
		r = (a + b + carry) & mask;
		if (r < a || (carry && r == a))
			flags |= KVMX_RFLAGS_CF;
		if ((a ^ r) & (b ^ r) & sb)
			flags |= KVMX_RFLAGS_OF;
		flags |= (a ^ b ^ r) & KVMX_RFLAGS_AF;
		break;
	case ALU_SBB:
		carry = rflags & KVMX_RFLAGS_CF ? 1 : 0;
		fallthrough;
	case ALU_SUB:
	case ALU_CMP:
		r = (a - b - carry) & mask;
		if (a < b || (carry && a == b))
			flags |= KVMX_RFLAGS_CF;
		if ((a ^ b) & (a ^ r) & sb)
			flags |= KVMX_RFLAGS_OF;
		flags |= (a ^ b ^ r) & KVMX_RFLAGS_AF;
		break;
	case ALU_AND:
		r = a & b;
		break;
	case ALU_OR:
		r = a | b;
		break;
	default:
		r = a ^ b;
		break;
	}
	*res = r;
	return flags | flags_szp(r, size);
}

static void set_arith_flags(struct kvmx_emul_ctxt *ctxt, u64 flags, u64 which)
{
	ctxt->work_rflags = (ctxt->work_rflags & ~which) | (flags & which);
}

/* Read dst and src, combine, write dst unless the op is CMP. */
static enum kvmx_emul_result alu_apply(struct kvmx_emul_ctxt *ctxt, enum alu_op op,
				       struct operand *dst, struct operand *src)
{
	enum kvmx_emul_result ret;
	u64 res, flags;

	ret = opnd_read(ctxt, src);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	flags = alu_compute(op, dst->val, src->val, dst->size, ctxt->work_rflags, &res);
	if (op != ALU_CMP) {
		ret = opnd_write(ctxt, dst, res);
		if (ret != KVMX_EMUL_DONE)
			return ret;
	}
	set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
	return KVMX_EMUL_DONE;
}

/* ---- Handlers (the return contract is enum kvmx_emul_result) ---- */

/* 00-3D: the low three opcode bits pick the operand form. */
static enum kvmx_emul_result exec_alu(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	enum alu_op op = (insn->opcode >> 3) & 7;
	struct operand dst, src;
	u8 size = insn->op_bytes;

	switch (insn->opcode & 7) {
	case 0:
	case 1:		/* Eb,Gb / Ev,Gv */
		rm_operand(ctxt, &dst, size);
		reg_operand(ctxt, &src, modrm_reg(insn), size);
		break;
	case 2:
	case 3:		/* Gb,Eb / Gv,Ev */
		reg_operand(ctxt, &dst, modrm_reg(insn), size);
		rm_operand(ctxt, &src, size);
		break;
	default:	/* AL,Ib / rAX,Iz */
		reg_operand(ctxt, &dst, KVMX_RAX, size);
		imm_operand(&src, insn->imm, size);
		break;
	}
	return alu_apply(ctxt, op, &dst, &src);
}

/* 80-83: Eb,Ib / Ev,Iz / Eb,Ib / Ev,Ib (sign-extended). */
static enum kvmx_emul_result exec_grp1(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src;

	rm_operand(ctxt, &dst, insn->op_bytes);
	imm_operand(&src, insn->imm, insn->op_bytes);
	return alu_apply(ctxt, modrm_group_op(insn), &dst, &src);
}

/* AND without the write; shared by 84/85, A8/A9 and F6/F7 /0 /1. */
static enum kvmx_emul_result test_apply(struct kvmx_emul_ctxt *ctxt,
					struct operand *a, struct operand *b)
{
	enum kvmx_emul_result ret;
	u64 res, flags;

	ret = opnd_read(ctxt, a);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, b);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	flags = alu_compute(ALU_AND, a->val, b->val, a->size, 0, &res);
	set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
	return KVMX_EMUL_DONE;
}

static enum kvmx_emul_result exec_test(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand a, b;

	if (insn->has_modrm) {
		rm_operand(ctxt, &a, insn->op_bytes);
		reg_operand(ctxt, &b, modrm_reg(insn), insn->op_bytes);
	} else {
		reg_operand(ctxt, &a, KVMX_RAX, insn->op_bytes);
		imm_operand(&b, insn->imm, insn->op_bytes);
	}
	return test_apply(ctxt, &a, &b);
}

/* F6/F7: /0 /1 TEST, /2 NOT, /3 NEG; MUL/DIV forms are not emulated. */
static enum kvmx_emul_result exec_grp3(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	enum kvmx_emul_result ret;
	struct operand dst, src;
	u64 res, flags;

	rm_operand(ctxt, &dst, insn->op_bytes);
	switch (modrm_group_op(insn)) {
	case 0:
	case 1:
		imm_operand(&src, insn->imm, insn->op_bytes);
		return test_apply(ctxt, &dst, &src);
	case 2:
		ret = opnd_read(ctxt, &dst);
		if (ret != KVMX_EMUL_DONE)
			return ret;
		return opnd_write(ctxt, &dst, ~dst.val);
	case 3:
		ret = opnd_read(ctxt, &dst);
		if (ret != KVMX_EMUL_DONE)
			return ret;
		flags = alu_compute(ALU_SUB, 0, dst.val, dst.size, 0, &res);
		ret = opnd_write(ctxt, &dst, res);
		if (ret != KVMX_EMUL_DONE)
			return ret;
		set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
		return KVMX_EMUL_DONE;
	default:
		return KVMX_EMUL_UNHANDLED;
	}
}

/* INC/DEC on @dst: like ADD/SUB 1 but CF is preserved. */
static enum kvmx_emul_result incdec_apply(struct kvmx_emul_ctxt *ctxt,
					  struct operand *dst, bool dec)
{
	enum kvmx_emul_result ret;
	u64 res, flags;

	ret = opnd_read(ctxt, dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	flags = alu_compute(dec ? ALU_SUB : ALU_ADD, dst->val, 1, dst->size, 0, &res);
	ret = opnd_write(ctxt, dst, res);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH & ~KVMX_RFLAGS_CF);
	return KVMX_EMUL_DONE;
}

/* FE/FF: /0 INC, /1 DEC; CALL/JMP/PUSH forms are not emulated. */
static enum kvmx_emul_result exec_grp4_5(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 sub = modrm_group_op(insn);
	struct operand dst;

	if (sub > 1)
		return KVMX_EMUL_UNHANDLED;
	rm_operand(ctxt, &dst, insn->op_bytes);
	return incdec_apply(ctxt, &dst, sub == 1);
}

/* 40-4F outside 64-bit mode: INC/DEC r16/r32. */
static enum kvmx_emul_result exec_incdec_reg(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst;

	reg_operand(ctxt, &dst, insn->opcode & 7, insn->op_bytes);
	return incdec_apply(ctxt, &dst, insn->opcode & 8);
}

/* Copy @src into @dst (no flags). */
static enum kvmx_emul_result move(struct kvmx_emul_ctxt *ctxt,
				  struct operand *dst, struct operand *src)
{
	enum kvmx_emul_result ret;

	ret = opnd_read(ctxt, src);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	return opnd_write(ctxt, dst, src->val);
}

/* 88-8B: bit 1 of the opcode is the direction (reg is the destination). */
static enum kvmx_emul_result exec_mov(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand rm, reg;

	rm_operand(ctxt, &rm, insn->op_bytes);
	reg_operand(ctxt, &reg, modrm_reg(insn), insn->op_bytes);
	if (insn->opcode & 2)
		return move(ctxt, &reg, &rm);
	return move(ctxt, &rm, &reg);
}

/* C6/C7 /0: MOV Eb,Ib / Ev,Iz.  (C6 F8 XABORT, C7 F8 XBEGIN: not emulated.) */
static enum kvmx_emul_result exec_mov_imm(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src;

	if (modrm_group_op(insn) != 0)
		return KVMX_EMUL_UNHANDLED;
	rm_operand(ctxt, &dst, insn->op_bytes);
	imm_operand(&src, insn->imm, insn->op_bytes);
	return move(ctxt, &dst, &src);
}

/* B0-BF: MOV r, imm (registers only, for completeness). */
static enum kvmx_emul_result exec_mov_imm_reg(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src;

	reg_operand(ctxt, &dst, (insn->opcode & 7) | ((insn->rex & REX_B) ? 8 : 0),
		    insn->op_bytes);
	imm_operand(&src, insn->imm, insn->op_bytes);
	return move(ctxt, &dst, &src);
}

/* A0-A3: MOV AL/rAX <-> moffs. */
static enum kvmx_emul_result exec_mov_moffs(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand mem, acc;

	rm_operand(ctxt, &mem, insn->op_bytes);
	reg_operand(ctxt, &acc, KVMX_RAX, insn->op_bytes);
	if (insn->opcode & 2)
		return move(ctxt, &mem, &acc);
	return move(ctxt, &acc, &mem);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: bit 0 selects a word source. */
static enum kvmx_emul_result exec_movx(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src;
	enum kvmx_emul_result ret;
	u64 val;

	rm_operand(ctxt, &src, (insn->opcode & 1) ? 2 : 1);
	reg_operand(ctxt, &dst, modrm_reg(insn), insn->op_bytes);
	ret = opnd_read(ctxt, &src);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	val = src.val;
	if (insn->opcode & 8)
		val = sign_extend(val, src.size);
	return opnd_write(ctxt, &dst, val);
}

/* 63 in 64-bit mode: MOVSXD Gv, Ed (without REX.W: a plain 32/16-bit move). */
static enum kvmx_emul_result exec_movsxd(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src;
	enum kvmx_emul_result ret;

	if (ctxt->mode != KVMX_MODE_LONG64)
		return KVMX_EMUL_UNHANDLED;	/* ARPL */
	rm_operand(ctxt, &src, insn->op_bytes == 8 ? 4 : insn->op_bytes);
	reg_operand(ctxt, &dst, modrm_reg(insn), insn->op_bytes);
	ret = opnd_read(ctxt, &src);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	return opnd_write(ctxt, &dst, sign_extend(src.val, src.size));
}

/* 0F C3: MOVNTI My, Gy (32 or 64 bits; the hint is meaningless here). */
static enum kvmx_emul_result exec_movnti(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 size = insn->op_bytes == 8 ? 8 : 4;
	struct operand dst, src;

	if (insn->opsize_prefix || insn->rep)
		return KVMX_EMUL_UNHANDLED;	/* not MOVNTI with these prefixes */
	rm_operand(ctxt, &dst, size);
	reg_operand(ctxt, &src, modrm_reg(insn), size);
	return move(ctxt, &dst, &src);
}

static enum kvmx_emul_result exchange(struct kvmx_emul_ctxt *ctxt,
				      struct operand *a, struct operand *b)
{
	enum kvmx_emul_result ret;

	ret = opnd_read(ctxt, a);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, b);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_write(ctxt, a, b->val);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_write(ctxt, b, a->val);
	return ret;
}

/* 86/87: XCHG Eb,Gb / Ev,Gv.  The memory operand is written, the reg after. */
static enum kvmx_emul_result exec_xchg(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand rm, reg;

	rm_operand(ctxt, &rm, insn->op_bytes);
	reg_operand(ctxt, &reg, modrm_reg(insn), insn->op_bytes);
	return exchange(ctxt, &rm, &reg);
}

/* 90-97: XCHG rAX, r; plain 90 is NOP (no zero-extension of EAX). */
static enum kvmx_emul_result exec_xchg_acc(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 reg = (insn->opcode & 7) | ((insn->rex & REX_B) ? 8 : 0);
	struct operand a, b;

	if (reg == KVMX_RAX)
		return KVMX_EMUL_DONE;	/* NOP, PAUSE */
	reg_operand(ctxt, &a, KVMX_RAX, insn->op_bytes);
	reg_operand(ctxt, &b, reg, insn->op_bytes);
	return exchange(ctxt, &a, &b);
}

/*
 * BT/BTS/BTR/BTC (0F A3/AB/B3/BB with a register bit offset, 0F BA /4-/7
 * with imm8).  A register offset into memory is signed and may reach
 * outside the operand (SDM "BT - Bit Test": the operand address moves by
 * (offset / width) * size); an immediate is taken modulo the width.  Only
 * CF is defined; the other arithmetic flags are left unchanged.
 */
static enum kvmx_emul_result exec_bt(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 size = insn->op_bytes, kind;
	unsigned int width = 8 * size;
	enum kvmx_emul_result ret;
	struct operand dst, off;
	u64 bit, res;
	s64 offset;

	if (insn->opcode == 0xba) {
		if (modrm_group_op(insn) < 4)
			return KVMX_EMUL_UNHANDLED;	/* undefined: #UD on hardware */
		kind = modrm_group_op(insn) & 3;
		offset = (s64)(insn->imm & (width - 1));
	} else {
		kind = (insn->opcode >> 3) & 3;	/* A3:0 AB:1 B3:2 BB:3 */
		reg_operand(ctxt, &off, modrm_reg(insn), size);
		ret = opnd_read(ctxt, &off);
		if (ret != KVMX_EMUL_DONE)
			return ret;
		offset = (s64)sign_extend(off.val, size);
	}
	rm_operand(ctxt, &dst, size);
	if (dst.kind == KVMX_OPND_MEM) {
		s64 step = offset >= 0 ? offset / (s64)width :
			   -((-(offset + 1)) / (s64)width) - 1;	/* floor */

		ret = linear_address(ctxt, insn->mem_seg,
				     (insn->ea + (u64)(step * size)) &
				     size_mask(insn->addr_bytes), &dst.la);
		if (ret != KVMX_EMUL_DONE)
			return ret;
	}
	bit = 1ULL << ((u64)offset & (width - 1));
	ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	switch (kind) {
	case 1:
		res = dst.val | bit;
		break;
	case 2:
		res = dst.val & ~bit;
		break;
	case 3:
		res = dst.val ^ bit;
		break;
	default:
		res = dst.val;
		break;
	}
	if (kind) {
		ret = opnd_write(ctxt, &dst, res);
		if (ret != KVMX_EMUL_DONE)
			return ret;
	}
	set_arith_flags(ctxt, (dst.val & bit) ? KVMX_RFLAGS_CF : 0, KVMX_RFLAGS_CF);
	return KVMX_EMUL_DONE;
}

/*
 * 0F B0/B1: CMPXCHG Eb,Gb / Ev,Gv.  On a mismatch hardware writes the old
 * value back; to MMIO that would be a spurious write, so (like KVM) we skip
 * it and only load the accumulator.
 */
static enum kvmx_emul_result exec_cmpxchg(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, src, acc;
	enum kvmx_emul_result ret;
	u64 res, flags;

	rm_operand(ctxt, &dst, insn->op_bytes);
	reg_operand(ctxt, &src, modrm_reg(insn), insn->op_bytes);
	reg_operand(ctxt, &acc, KVMX_RAX, insn->op_bytes);
	ret = opnd_read(ctxt, &src);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, &acc);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	flags = alu_compute(ALU_CMP, acc.val, dst.val, dst.size, 0, &res);
	if (flags & KVMX_RFLAGS_ZF)
		ret = opnd_write(ctxt, &dst, src.val);
	else
		ret = opnd_write(ctxt, &acc, dst.val);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
	return KVMX_EMUL_DONE;
}

/* 0F C0/C1: XADD Eb,Gb / Ev,Gv: dst = dst + src, src = old dst. */
static enum kvmx_emul_result exec_xadd(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	enum kvmx_emul_result ret;
	struct operand dst, src;
	u64 res, flags;

	rm_operand(ctxt, &dst, insn->op_bytes);
	reg_operand(ctxt, &src, modrm_reg(insn), insn->op_bytes);
	ret = opnd_read(ctxt, &src);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	flags = alu_compute(ALU_ADD, dst.val, src.val, dst.size, 0, &res);
	ret = opnd_write(ctxt, &src, dst.val);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_write(ctxt, &dst, res);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
	return KVMX_EMUL_DONE;
}

/*
 * 0F C7 /1: CMPXCHG8B m64 - compare EDX:EAX with m64; equal: store ECX:EBX
 * and set ZF, else load EDX:EAX and clear ZF.  Other flags are unchanged.
 * CMPXCHG16B (REX.W) needs a 16-byte access: not emulated.
 */
static enum kvmx_emul_result exec_grp9(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand dst, eax, edx;
	enum kvmx_emul_result ret;
	u64 expected;

	if (modrm_group_op(insn) != 1 || !insn->has_mem || (insn->rex & REX_W))
		return KVMX_EMUL_UNHANDLED;
	rm_operand(ctxt, &dst, 8);
	ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	expected = (ctxt->work_regs[KVMX_RDX] << 32) |
		   (ctxt->work_regs[KVMX_RAX] & 0xffffffffULL);
	if (dst.val == expected) {
		ret = opnd_write(ctxt, &dst, (ctxt->work_regs[KVMX_RCX] << 32) |
				 (ctxt->work_regs[KVMX_RBX] & 0xffffffffULL));
		if (ret != KVMX_EMUL_DONE)
			return ret;
		ctxt->work_rflags |= KVMX_RFLAGS_ZF;
		return KVMX_EMUL_DONE;
	}
	reg_operand(ctxt, &eax, KVMX_RAX, 4);
	reg_operand(ctxt, &edx, KVMX_RDX, 4);
	reg_write(ctxt, &eax, dst.val);
	reg_write(ctxt, &edx, dst.val >> 32);
	ctxt->work_rflags &= ~KVMX_RFLAGS_ZF;
	return KVMX_EMUL_DONE;
}

/* The condition of Jcc/SETcc/CMOVcc in the low opcode nibble. */
static bool condition_true(u64 rflags, u8 cc)
{
	bool of = rflags & KVMX_RFLAGS_OF, sf = rflags & KVMX_RFLAGS_SF;
	bool zf = rflags & KVMX_RFLAGS_ZF, cf = rflags & KVMX_RFLAGS_CF;
	bool base;

	switch ((cc >> 1) & 7) {
	case 0:
		base = of;
		break;
	case 1:
		base = cf;
		break;
	case 2:
		base = zf;
		break;
	case 3:
		base = cf || zf;
		break;
	case 4:
		base = sf;
		break;
	case 5:
		base = rflags & KVMX_RFLAGS_PF;
		break;
	case 6:
		base = sf != of;
		break;
	default:
		base = zf || sf != of;
		break;
	}
	return base != (cc & 1);
}

/* 0F 90-9F: SETcc r/m8. */
static enum kvmx_emul_result exec_setcc(struct kvmx_emul_ctxt *ctxt)
{
	struct operand dst;

	rm_operand(ctxt, &dst, 1);
	return opnd_write(ctxt, &dst, condition_true(ctxt->work_rflags,
						     ctxt->insn.opcode));
}

/*
 * 0F 40-4F: CMOVcc r, r/m.  The source is read whatever the condition; a
 * 32-bit destination is zero-extended even when nothing moves.
 */
static enum kvmx_emul_result exec_cmovcc(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	enum kvmx_emul_result ret;
	struct operand dst, src;

	rm_operand(ctxt, &src, insn->op_bytes);
	reg_operand(ctxt, &dst, modrm_reg(insn), insn->op_bytes);
	ret = opnd_read(ctxt, &src);
	if (ret == KVMX_EMUL_DONE)
		ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	if (condition_true(ctxt->work_rflags, insn->opcode))
		return opnd_write(ctxt, &dst, src.val);
	return opnd_write(ctxt, &dst, dst.val);
}

/* Rotate @val of @bits through CF (RCL/RCR), one bit at a time. */
static u64 rotate_through_carry(u64 val, unsigned int bits, unsigned int count,
				bool left, bool *cf)
{
	u64 msb = 1ULL << (bits - 1);
	unsigned int i;

	for (i = 0; i < count; i++) {
		bool out = left ? val & msb : val & 1;

		if (left)
			val = ((val << 1) & size_mask(bits / 8)) | *cf;
		else
			val = (val >> 1) | (*cf ? msb : 0);
		*cf = out;
	}
	return val;
}

/*
 * Rotate or shift @val (@size bytes) by the masked count @count (non-zero)
 * for group 2 operation @sub; returns the result and the new flags in
 * *flags, *which naming the flags the operation defines (SDM "RCL/RCR/
 * ROL/ROR" and "SAL/SAR/SHL/SHR").  OF is computed as for a count of 1;
 * it is architecturally undefined for other counts.  AF is undefined for
 * shifts: cleared here.
 */
static u64 shift_compute(u8 sub, u64 val, unsigned int size, unsigned int count,
			 u64 rflags, u64 *flags, u64 *which)
{
	unsigned int bits = 8 * size, rot;
	u64 mask = size_mask(size), msb = sign_bit(size), r;
	bool cf = rflags & KVMX_RFLAGS_CF, of;

	val &= mask;
	*which = KVMX_RFLAGS_CF | KVMX_RFLAGS_OF;
	switch (sub) {
	case 0:		/* ROL */
		rot = count % bits;
		r = rot ? ((val << rot) | (val >> (bits - rot))) & mask : val;
		cf = r & 1;
		of = !!(r & msb) != cf;
		break;
	case 1:		/* ROR */
		rot = count % bits;
		r = rot ? ((val >> rot) | (val << (bits - rot))) & mask : val;
		cf = r & msb;
		of = !!(r & msb) != !!(r & (msb >> 1));
		break;
	case 2:		/* RCL */
		r = rotate_through_carry(val, bits, count % (bits + 1), true, &cf);
		of = !!(r & msb) != cf;
		break;
	case 3:		/* RCR */
		of = !!(val & msb) != cf;
		r = rotate_through_carry(val, bits, count % (bits + 1), false, &cf);
		break;
	case 5:		/* SHR */
		r = count < bits ? val >> count : 0;
		cf = count <= bits ? (val >> (count - 1)) & 1 : 0;
		of = val & msb;
		break;
	case 7:		/* SAR */
		r = count < bits ? ((u64)((s64)sign_extend(val, size) >> count)) & mask :
		    ((val & msb) ? mask : 0);
		cf = count <= bits ? ((u64)((s64)sign_extend(val, size) >> (count - 1))) & 1 :
		     !!(val & msb);
		of = false;
		break;
	default:	/* 4 SHL, 6 SAL (an alias) */
		r = count < bits ? (val << count) & mask : 0;
		cf = count <= bits ? (val >> (bits - count)) & 1 : 0;
		of = !!(r & msb) != cf;
		break;
	}
	*flags = (cf ? KVMX_RFLAGS_CF : 0) | (of ? KVMX_RFLAGS_OF : 0);
	if (sub >= 4) {
		*which = KVMX_RFLAGS_ARITH;
		*flags |= flags_szp(r, size);
	}
	return r;
}

/*
 * C0/C1 (by imm8), D0/D1 (by 1), D2/D3 (by CL): ROL ROR RCL RCR SHL SHR
 * SAL SAR.  The count is masked to 5 bits (6 with a 64-bit operand); a
 * masked count of 0 changes nothing, so the operand is read but not
 * written back.
 */
static enum kvmx_emul_result exec_grp2(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	unsigned int count;
	enum kvmx_emul_result ret;
	struct operand dst;
	u64 res, flags, which;

	if (insn->opcode <= 0xc1)
		count = (unsigned int)insn->imm;
	else if (insn->opcode <= 0xd1)
		count = 1;
	else
		count = (unsigned int)ctxt->work_regs[KVMX_RCX];
	count &= insn->op_bytes == 8 ? 0x3f : 0x1f;

	rm_operand(ctxt, &dst, insn->op_bytes);
	ret = opnd_read(ctxt, &dst);
	if (ret != KVMX_EMUL_DONE || !count)
		return ret;
	res = shift_compute(modrm_group_op(insn), dst.val, dst.size, count,
			    ctxt->work_rflags, &flags, &which);
	ret = opnd_write(ctxt, &dst, res);
	if (ret != KVMX_EMUL_DONE)
		return ret;
	set_arith_flags(ctxt, flags, which);
	return KVMX_EMUL_DONE;
}

/*
 * 0F AE /7 CLFLUSH (66: CLFLUSHOPT) and 66 0F AE /6 CLWB on memory: a
 * guest may flush an MMIO line; there is no cache behind it, so once the
 * address checks passed the instruction is done.  The other group 15
 * members (FXSAVE, XSAVE, fences, ...) are not emulated.
 */
static enum kvmx_emul_result exec_grp15(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 sub = modrm_group_op(insn);

	if (!insn->has_mem || insn->rep)
		return KVMX_EMUL_UNHANDLED;
	if (sub == 7 || (sub == 6 && insn->opsize_prefix))
		return KVMX_EMUL_DONE;
	return KVMX_EMUL_UNHANDLED;
}

/* Source (DS:rSI, overridable) or destination (ES:rDI) of a string op. */
static enum kvmx_emul_result string_operand(struct kvmx_emul_ctxt *ctxt,
					    struct operand *op, bool source)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 reg = source ? KVMX_RSI : KVMX_RDI;
	u8 seg = source ? data_segment(insn, KVMX_SEG_DS) : KVMX_SEG_ES;
	u64 ea = ctxt->work_regs[reg] & size_mask(insn->addr_bytes);

	op->kind = KVMX_OPND_MEM;
	op->size = insn->op_bytes;
	return linear_address(ctxt, seg, ea, &op->la);
}

/* Advance rSI or rDI by one element, backwards when RFLAGS.DF is set. */
static void string_advance(struct kvmx_emul_ctxt *ctxt, u8 reg)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u64 step = insn->op_bytes;

	if (ctxt->work_rflags & KVMX_RFLAGS_DF)
		step = -step;
	reg_write_addr(ctxt, reg, insn->addr_bytes, ctxt->work_regs[reg] + step);
}

/* One iteration of MOVS, CMPS, STOS, LODS or SCAS; returns the compare flags. */
static enum kvmx_emul_result string_iteration(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	struct operand src, dst, acc;
	enum kvmx_emul_result ret;
	u64 res, flags;

	reg_operand(ctxt, &acc, KVMX_RAX, insn->op_bytes);
	switch (insn->opcode & ~1) {
	case 0xa4:	/* MOVS */
		ret = string_operand(ctxt, &src, true);
		if (ret == KVMX_EMUL_DONE)
			ret = string_operand(ctxt, &dst, false);
		if (ret == KVMX_EMUL_DONE)
			ret = move(ctxt, &dst, &src);
		break;
	case 0xa6:	/* CMPS: flags of [rSI] - [rDI] */
	case 0xae:	/* SCAS: flags of rAX - [rDI] */
		if ((insn->opcode & ~1) == 0xa6) {
			ret = string_operand(ctxt, &src, true);
		} else {
			src = acc;
			ret = KVMX_EMUL_DONE;
		}
		if (ret == KVMX_EMUL_DONE)
			ret = opnd_read(ctxt, &src);
		if (ret == KVMX_EMUL_DONE)
			ret = string_operand(ctxt, &dst, false);
		if (ret == KVMX_EMUL_DONE)
			ret = opnd_read(ctxt, &dst);
		if (ret != KVMX_EMUL_DONE)
			return ret;
		flags = alu_compute(ALU_CMP, src.val, dst.val, insn->op_bytes, 0, &res);
		set_arith_flags(ctxt, flags, KVMX_RFLAGS_ARITH);
		break;
	case 0xaa:	/* STOS */
		ret = string_operand(ctxt, &dst, false);
		if (ret == KVMX_EMUL_DONE)
			ret = move(ctxt, &dst, &acc);
		break;
	default:	/* 0xac LODS */
		ret = string_operand(ctxt, &src, true);
		if (ret == KVMX_EMUL_DONE)
			ret = move(ctxt, &acc, &src);
		break;
	}
	if (ret != KVMX_EMUL_DONE)
		return ret;
	if (insn->opcode != 0xaa && insn->opcode != 0xab &&
	    insn->opcode != 0xae && insn->opcode != 0xaf)
		string_advance(ctxt, KVMX_RSI);
	if (insn->opcode != 0xac && insn->opcode != 0xad)
		string_advance(ctxt, KVMX_RDI);
	return KVMX_EMUL_DONE;
}

/*
 * A REP string instruction with a 32-bit address size found ECX zero and
 * ends without an iteration.  AMD CPUs then leave every register as it
 * was.  Intel CPUs, by their fast-string microcode, still write the
 * registers the instruction would have used as 32-bit registers, which
 * clears their upper halves: RCX always, RDI for MOVS and STOS, RSI for
 * MOVS (not LODS, CMPS or SCAS).  kvm's
 * emulator gives Intel guests the same, and the native cross-check in
 * selftests/unit/emulate_unit.c confirms it on the CPU at hand.  Only
 * 64-bit mode can see the upper halves, but the rule is the same in
 * every mode, as kvm's.
 */
static void string_zero_count(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	u8 op = insn->opcode & ~1;

	if (ctxt->vendor != KVMX_EMUL_VENDOR_INTEL || insn->addr_bytes != 4)
		return;
	ctxt->work_regs[KVMX_RCX] = 0;
	if (op == 0xa4)
		ctxt->work_regs[KVMX_RSI] &= 0xffffffffULL;
	if (op == 0xa4 || op == 0xaa)
		ctxt->work_regs[KVMX_RDI] &= 0xffffffffULL;
}

/*
 * String instructions, one iteration per call (SDM "REP/REPE/REPZ/REPNE/
 * REPNZ").  With a REP prefix and a zero count (rCX masked to the address
 * size) the instruction completes without touching memory (and, on Intel,
 * with string_zero_count()'s register writes).  Otherwise one
 * element is processed and rCX decremented; if another iteration is due
 * ctxt->rep_more is set and RIP stays on the instruction.  F2 acts as REP
 * for MOVS/STOS/LODS; for CMPS/SCAS it is REPNE.
 */
static enum kvmx_emul_result exec_string(struct kvmx_emul_ctxt *ctxt)
{
	const struct kvmx_insn *insn = &ctxt->insn;
	bool compares = (insn->opcode & ~1) == 0xa6 || (insn->opcode & ~1) == 0xae;
	u64 count = ctxt->work_regs[KVMX_RCX] & size_mask(insn->addr_bytes);
	enum kvmx_emul_result ret;
	bool zf;

	if (insn->rep && !count) {
		string_zero_count(ctxt);
		return KVMX_EMUL_DONE;
	}
	ret = string_iteration(ctxt);
	if (ret != KVMX_EMUL_DONE || !insn->rep)
		return ret;
	reg_write_addr(ctxt, KVMX_RCX, insn->addr_bytes, count - 1);
	if (count == 1)
		return KVMX_EMUL_DONE;
	zf = ctxt->work_rflags & KVMX_RFLAGS_ZF;
	if (compares && (insn->rep == 0xf3 ? !zf : zf))
		return KVMX_EMUL_DONE;
	ctxt->rep_more = true;
	return KVMX_EMUL_DONE;
}

/*
 * The handler table.  Contract: a handler changes only work_regs and
 * work_rflags, returns DONE when the instruction (or one REP iteration)
 * completed, or the first non-DONE result of a callback or check.
 */
static const exec_fn exec_handlers[NR_EXEC_IDS] = {
	[EXEC_ALU] = exec_alu,
	[EXEC_GRP1] = exec_grp1,
	[EXEC_TEST] = exec_test,
	[EXEC_GRP3] = exec_grp3,
	[EXEC_GRP4_5] = exec_grp4_5,
	[EXEC_INCDEC_REG] = exec_incdec_reg,
	[EXEC_MOV] = exec_mov,
	[EXEC_MOV_IMM] = exec_mov_imm,
	[EXEC_MOV_IMM_REG] = exec_mov_imm_reg,
	[EXEC_MOV_MOFFS] = exec_mov_moffs,
	[EXEC_MOVX] = exec_movx,
	[EXEC_MOVSXD] = exec_movsxd,
	[EXEC_MOVNTI] = exec_movnti,
	[EXEC_XCHG] = exec_xchg,
	[EXEC_XCHG_ACC] = exec_xchg_acc,
	[EXEC_STRING] = exec_string,
	[EXEC_BT] = exec_bt,
	[EXEC_CMPXCHG] = exec_cmpxchg,
	[EXEC_XADD] = exec_xadd,
	[EXEC_GRP9] = exec_grp9,
	[EXEC_SETCC] = exec_setcc,
	[EXEC_CMOVCC] = exec_cmovcc,
	[EXEC_GRP2] = exec_grp2,
	[EXEC_GRP15] = exec_grp15,
};

/* ---- Entry points ---- */

enum kvmx_cpu_mode kvmx_emul_cpu_mode(u64 cr0, u64 efer, u64 rflags,
				      bool cs_l, bool cs_db)
{
	if (!(cr0 & KVMX_CR0_PE))
		return KVMX_MODE_REAL;
	if ((efer & KVMX_EFER_LMA) && cs_l)
		return KVMX_MODE_LONG64;
	if (!(efer & KVMX_EFER_LMA) && (rflags & KVMX_RFLAGS_VM))
		return KVMX_MODE_VM86;
	return cs_db ? KVMX_MODE_PROT32 : KVMX_MODE_PROT16;
}

void kvmx_emul_init(struct kvmx_emul_ctxt *ctxt, const struct kvmx_emul_ops *ops,
		    void *opaque, enum kvmx_cpu_mode mode)
{
	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->ops = ops;
	ctxt->opaque = opaque;
	ctxt->mode = mode;
}

/* RIP after the instruction, wrapped to the code size. */
static u64 next_rip(const struct kvmx_emul_ctxt *ctxt)
{
	u64 rip = ctxt->rip + ctxt->insn.len;

	switch (ctxt->mode) {
	case KVMX_MODE_LONG64:
		return rip;
	case KVMX_MODE_PROT32:
		return rip & 0xffffffffULL;
	default:
		return rip & 0xffff;
	}
}

/*
 * Decode, fetching missing bytes through ops->fetch when there is one.
 * Fetched bytes are appended to ctxt->insn_bytes.
 */
static enum kvmx_emul_result decode_fetching(struct kvmx_emul_ctxt *ctxt)
{
	enum kvmx_emul_result ret;
	unsigned int need;
	u64 la;
	int err;

	for (;;) {
		err = kvmx_insn_decode(&ctxt->insn, ctxt->insn_bytes,
				       ctxt->insn_avail, ctxt->mode);
		if (err != -ENODATA || !ctxt->ops->fetch ||
		    ctxt->insn_avail >= KVMX_INSN_MAX_LEN)
			break;
		need = ctxt->insn.len;
		if (need <= ctxt->insn_avail || need > KVMX_INSN_MAX_LEN)
			break;
		la = ctxt->rip + ctxt->insn_avail;
		if (ctxt->mode != KVMX_MODE_LONG64)
			la = (la + ctxt->seg_base[KVMX_SEG_CS]) & 0xffffffffULL;
		ret = ctxt->ops->fetch(ctxt, la, ctxt->insn_bytes + ctxt->insn_avail,
				       need - ctxt->insn_avail);
		if (ret == KVMX_EMUL_FAULT)
			return KVMX_EMUL_FAULT;
		if (ret != KVMX_EMUL_DONE)
			return KVMX_EMUL_UNHANDLED;
		ctxt->insn_avail = need;
	}
	switch (err) {
	case 0:
		return KVMX_EMUL_DONE;
	case -E2BIG:
		return raise_exception(ctxt, KVMX_VEC_GP, true, 0);
	case -EILSEQ:
		return raise_exception(ctxt, KVMX_VEC_UD, false, 0);
	default:
		return KVMX_EMUL_UNHANDLED;
	}
}

/* Address the memory operand and run the handler. */
static enum kvmx_emul_result execute(struct kvmx_emul_ctxt *ctxt)
{
	struct kvmx_insn *insn = &ctxt->insn;
	enum kvmx_emul_result ret;
	exec_fn handler;

	handler = insn->exec < NR_EXEC_IDS ? exec_handlers[insn->exec] : NULL;
	if (!handler)
		return KVMX_EMUL_UNHANDLED;
	if (insn->has_mem && !(insn->table_flags & OPF_STRING)) {
		ret = memory_operand_address(ctxt);
		if (ret != KVMX_EMUL_DONE)
			return ret;
	}
	return handler(ctxt);
}

enum kvmx_emul_result kvmx_emulate(struct kvmx_emul_ctxt *ctxt)
{
	enum kvmx_emul_result ret;

	ctxt->rep_more = false;
	memcpy(ctxt->work_regs, ctxt->regs, sizeof(ctxt->work_regs));
	ctxt->work_rflags = ctxt->rflags;
	if (ctxt->read_cache)
		ctxt->read_cache->pos = 0;

	ret = decode_fetching(ctxt);
	if (ret == KVMX_EMUL_DONE)
		ret = execute(ctxt);
	/* Keep the reads only for the re-run after an exit. */
	if (ctxt->read_cache && ret != KVMX_EMUL_EXIT)
		ctxt->read_cache->len = 0;
	if (ret != KVMX_EMUL_DONE) {
		ctxt->rep_more = false;
		return ret;
	}

	memcpy(ctxt->regs, ctxt->work_regs, sizeof(ctxt->regs));
	ctxt->rflags = (ctxt->work_rflags & ~KVMX_RFLAGS_RF) | KVMX_RFLAGS_FIXED;
	if (!ctxt->rep_more)
		ctxt->rip = next_rip(ctxt);
	return KVMX_EMUL_DONE;
}
