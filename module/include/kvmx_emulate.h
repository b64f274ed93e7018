/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx_emulate.h - vendor-neutral x86 instruction decoder and emulator.
 *
 * The emulator is pure code: it knows nothing about SVM, VMX, memslots or
 * kvm_run.  The caller describes the vCPU (mode, GPRs, RIP, RFLAGS, segment
 * bases) in a struct kvmx_emul_ctxt, hands over the instruction bytes it
 * already has, and provides memory access callbacks.  Documentation/
 * emulator.rst describes the design; this header states the contract.
 *
 * Typical use (MMIO on a nested page fault):
 *
 *	struct kvmx_emul_ctxt *c = &vcpu->emul;   // caller-owned storage
 *	kvmx_emul_init(c, &my_ops, vcpu, mode);
 *	memcpy(c->regs, vcpu->regs, sizeof(c->regs));
 *	c->rip = ...; c->rflags = ...; c->seg_base[...] = ...;
 *	memcpy(c->insn_bytes, bytes, n); c->insn_avail = n;
 *	c->read_cache = &vcpu->emul_reads;  // optional; len = 0 on a new exit
 *	switch (kvmx_emulate(c)) {
 *	case KVMX_EMUL_DONE:      copy c->regs, c->rip, c->rflags back; resume
 *	case KVMX_EMUL_EXIT:      kvm_run was filled by a callback; exit, and
 *	                          re-run the same instruction on the next KVM_RUN
 *	case KVMX_EMUL_EXCEPTION:
 *	case KVMX_EMUL_FAULT:     inject c->exception
 *	case KVMX_EMUL_UNHANDLED: KVM_EXIT_INTERNAL_ERROR /
 *	                          KVM_INTERNAL_ERROR_EMULATION with the bytes
 *	}
 *
 * Skipping an intercepted instruction without NRIP save:
 *
 *	len = kvmx_insn_length(bytes, n, mode);	// > 0, or -errno
 */
#ifndef KVMX_EMULATE_H
#define KVMX_EMULATE_H

#include "kvmx_pure.h"

/* The architectural maximum length of one instruction (SDM: "Instruction Format"). */
#define KVMX_INSN_MAX_LEN	15

/* Largest single memory access the emulator makes, in bytes. */
#define KVMX_EMUL_MAX_ACCESS	8

/* Exception vectors the emulator itself raises. */
#define KVMX_VEC_UD		6
#define KVMX_VEC_SS		12
#define KVMX_VEC_GP		13
#define KVMX_VEC_PF		14

/* RFLAGS bits the emulator reads or writes. */
#define KVMX_RFLAGS_CF		BIT_ULL(0)
#define KVMX_RFLAGS_FIXED	BIT_ULL(1)
#define KVMX_RFLAGS_PF		BIT_ULL(2)
#define KVMX_RFLAGS_AF		BIT_ULL(4)
#define KVMX_RFLAGS_ZF		BIT_ULL(6)
#define KVMX_RFLAGS_SF		BIT_ULL(7)
#define KVMX_RFLAGS_TF		BIT_ULL(8)
#define KVMX_RFLAGS_DF		BIT_ULL(10)
#define KVMX_RFLAGS_OF		BIT_ULL(11)
#define KVMX_RFLAGS_RF		BIT_ULL(16)
#define KVMX_RFLAGS_VM		BIT_ULL(17)
/* The six arithmetic status flags. */
#define KVMX_RFLAGS_ARITH	(KVMX_RFLAGS_CF | KVMX_RFLAGS_PF | KVMX_RFLAGS_AF | \
				 KVMX_RFLAGS_ZF | KVMX_RFLAGS_SF | KVMX_RFLAGS_OF)

/* Control bits kvmx_emul_cpu_mode() looks at. */
#define KVMX_CR0_PE		BIT_ULL(0)
#define KVMX_EFER_LMA		BIT_ULL(10)

/*
 * The execution mode, which fixes the default operand and address sizes.
 * Compatibility mode (EFER.LMA=1, CS.L=0) is PROT16 or PROT32 after CS.D.
 */
enum kvmx_cpu_mode {
	KVMX_MODE_REAL,		/* CR0.PE=0: 16-bit, bases = selector << 4 */
	KVMX_MODE_VM86,		/* RFLAGS.VM=1: decodes like real mode */
	KVMX_MODE_PROT16,	/* protected or compatibility, CS.D=0 */
	KVMX_MODE_PROT32,	/* protected or compatibility, CS.D=1 */
	KVMX_MODE_LONG64,	/* EFER.LMA=1 and CS.L=1 */
};

/*
 * Whose behaviour the emulator gives where the vendors differ.  Only one
 * difference is emulated: a REP string instruction with a 32-bit address
 * size and a zero count (see exec_string() in emulate.c).
 */
enum kvmx_emul_vendor {
	KVMX_EMUL_VENDOR_AMD,	/* AMD and Hygon: only what the APM defines */
	KVMX_EMUL_VENDOR_INTEL,	/* Intel: plus its zero-count REP quirk */
};

/* GPR indices: the hardware register numbers (ModRM.reg/rm with REX). */
enum kvmx_gpr {
	KVMX_RAX, KVMX_RCX, KVMX_RDX, KVMX_RBX,
	KVMX_RSP, KVMX_RBP, KVMX_RSI, KVMX_RDI,
	KVMX_R8, KVMX_R9, KVMX_R10, KVMX_R11,
	KVMX_R12, KVMX_R13, KVMX_R14, KVMX_R15,
	KVMX_NR_GPRS,
};

/* Segment register indices: the hardware sreg numbers. */
enum kvmx_seg {
	KVMX_SEG_ES, KVMX_SEG_CS, KVMX_SEG_SS,
	KVMX_SEG_DS, KVMX_SEG_FS, KVMX_SEG_GS,
	KVMX_NR_SEGS,
};

/*
 * Result of kvmx_emulate(), and what a memory callback returns.
 *
 * A callback returns DONE (the access happened), FAULT (it filled
 * ctxt->exception, e.g. #PF from the guest page walk) or EXIT (the access
 * needs userspace, e.g. an MMIO read whose data is not yet known).  It never
 * returns EXCEPTION or UNHANDLED.
 */
enum kvmx_emul_result {
	KVMX_EMUL_DONE = 0,	/* instruction completed, state committed */
	KVMX_EMUL_EXCEPTION,	/* emulator raised ctxt->exception (#UD, #GP, #SS) */
	KVMX_EMUL_FAULT,	/* a callback raised ctxt->exception */
	KVMX_EMUL_EXIT,		/* a callback asked for an exit; nothing committed */
	KVMX_EMUL_UNHANDLED,	/* valid or unknown instruction we do not emulate */
};

/* An exception for the caller to inject. */
struct kvmx_emul_exception {
	u8 vector;		/* KVMX_VEC_* or any vector a callback chose */
	bool error_code_valid;	/* push error_code when delivering */
	u32 error_code;		/* e.g. the #PF error code, or 0 for #GP(0) */
	u64 address;		/* #PF only: the faulting linear address (CR2) */
};

/* Decoded operand: where an operand lives once decoding is done. */
enum kvmx_operand_kind {
	KVMX_OPND_NONE,
	KVMX_OPND_REG,		/* a GPR; reg is the index, high8 selects AH..BH */
	KVMX_OPND_MEM,		/* memory at linear address la */
	KVMX_OPND_IMM,		/* an immediate, already sign/zero extended */
};

/*
 * struct kvmx_insn - one decoded instruction.
 *
 * Filled by kvmx_insn_decode(); read-only afterwards.  Offsets (ea) are
 * already masked to the address size; la = segment base + ea, truncated to
 * 32 bits outside 64-bit mode.
 */
struct kvmx_insn {
	u8 len;			/* total length in bytes, 1..15 */
	u8 map;			/* 0: one-byte, 1: 0F, 2: 0F 38, 3: 0F 3A */
	u8 opcode;		/* the opcode byte within map */
	u8 modrm;		/* valid if has_modrm */
	u8 sib;			/* valid if has_sib */
	bool has_modrm;
	bool has_sib;
	u8 rex;			/* 0 or 0x40..0x4f (64-bit mode only) */
	u8 rep;			/* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE) */
	bool lock;		/* F0 seen */
	bool opsize_prefix;	/* 66 seen */
	bool addrsize_prefix;	/* 67 seen */
	s8 seg_override;	/* -1 or enum kvmx_seg of the last override */
	u8 op_bytes;		/* operand size: 1, 2, 4 or 8 */
	u8 addr_bytes;		/* address size: 2, 4 or 8 */
	u8 disp_bytes;		/* 0, 1, 2 or 4 (8 for 64-bit moffs) */
	u8 imm_bytes;		/* 0, 1, 2, 4 or 8 (ENTER/far: first imm) */
	u8 imm2_bytes;		/* second immediate (ENTER: 1, far ptr: 2) */
	bool rip_relative;	/* ModRM used RIP/EIP + disp32 */
	s64 disp;		/* sign-extended displacement or moffs */
	u64 imm;		/* first immediate, sign-extended as the opcode says */
	u64 imm2;		/* second immediate */
	/* The memory operand, when has_modrm with mod != 3, or moffs/string. */
	bool has_mem;
	u8 mem_seg;		/* effective segment (override or default) */
	u64 ea;			/* offset within the segment */
	u64 la;			/* linear address */
	u32 table_flags;	/* internal: the opcode table entry's flags */
	u8 exec;		/* internal: the handler id */
};

struct kvmx_emul_ctxt;

/*
 * struct kvmx_emul_read_cache - reads of an instruction that exited.
 *
 * Optional, owned by the caller and kept across the exit: when an attempt
 * ends in KVMX_EMUL_EXIT, the reads it completed stay here and the re-run
 * gets them back in order without calling ops->read again, so an
 * instruction with two MMIO reads (CMPS) needs one answer per exit only.
 * kvmx_emulate() empties it whenever it returns anything but EXIT; the
 * caller empties it (len = 0) before emulating a new instruction.
 */
struct kvmx_emul_read_cache {
	u8 data[2 * KVMX_EMUL_MAX_ACCESS];	/* the bytes read, in order */
	u8 len;					/* valid bytes in data */
	u8 pos;					/* replay position of this run */
};

/*
 * struct kvmx_emul_ops - the caller's memory access callbacks.
 *
 * @read: read @bytes (1..KVMX_EMUL_MAX_ACCESS) at linear address @la into
 *	@buf, little-endian.  An access may cross a page boundary: the callback
 *	translates and splits as needed.  Returning EXIT means "ask userspace";
 *	the caller then re-runs kvmx_emulate() on the same instruction (same
 *	registers, same RIP) once the data is known, and the read must then
 *	return DONE with that data.  All reads of an instruction happen before
 *	its single write.
 * @write: write @bytes at @la.  Called at most once per emulated instruction
 *	(per iteration for REP string instructions), after all reads; an MMIO
 *	write is typically recorded into kvm_run and answered DONE, the caller
 *	exiting after the instruction completed.  Returning EXIT instead means
 *	the write was not performed and nothing is committed: re-run later.
 * @fetch: optional.  Read instruction bytes at linear address @la when the
 *	decoder needs more than ctxt->insn_avail bytes.  May return FAULT; EXIT
 *	is treated as UNHANDLED.  Without it, a short buffer makes
 *	kvmx_emulate() return UNHANDLED.
 *
 * A FAULT result must fill ctxt->exception first.  Callbacks may use
 * ctxt->opaque to find their vCPU.
 */
struct kvmx_emul_ops {
	enum kvmx_emul_result (*read)(struct kvmx_emul_ctxt *ctxt, u64 la,
				      void *buf, unsigned int bytes);
	enum kvmx_emul_result (*write)(struct kvmx_emul_ctxt *ctxt, u64 la,
				       const void *buf, unsigned int bytes);
	enum kvmx_emul_result (*fetch)(struct kvmx_emul_ctxt *ctxt, u64 la,
				       void *buf, unsigned int bytes);
};

/*
 * struct kvmx_emul_ctxt - all emulator state, owned by the caller.
 *
 * Inputs are set by the caller before kvmx_emulate(); outputs are valid only
 * after the result named beside them.  The emulator changes regs, rip and
 * rflags only on KVMX_EMUL_DONE: on every other result they are exactly as
 * the caller left them, so the same call can simply be repeated.
 *
 * Locking: none inside.  A context belongs to one vCPU and is used only by
 * the thread running it (under the vCPU mutex in kvmx.ko); the callbacks
 * run in that thread, in process context, and may sleep if the caller's
 * own context allows it.
 */
struct kvmx_emul_ctxt {
	/* Inputs. */
	const struct kvmx_emul_ops *ops;	/* callbacks; read/write required */
	void *opaque;				/* for the callbacks */
	enum kvmx_cpu_mode mode;		/* see kvmx_emul_cpu_mode() */
	enum kvmx_emul_vendor vendor;		/* AMD unless the caller says */
	bool la57;				/* CR4.LA57: 57-bit canonical check */
	u64 regs[KVMX_NR_GPRS];			/* in/out: the GPRs */
	u64 rip;				/* in/out */
	u64 rflags;				/* in/out */
	u64 seg_base[KVMX_NR_SEGS];		/* segment bases (FS/GS only in 64-bit) */
	u8 insn_bytes[KVMX_INSN_MAX_LEN];	/* bytes at CS.base + rip */
	u8 insn_avail;				/* how many of them are valid */
	struct kvmx_emul_read_cache *read_cache;	/* optional, see above */

	/* Outputs. */
	struct kvmx_insn insn;			/* after decoding succeeded */
	struct kvmx_emul_exception exception;	/* on EXCEPTION or FAULT */
	/*
	 * On DONE for a REP string instruction: true when more iterations
	 * remain.  RIP then still points at the instruction and the caller
	 * either resumes the guest (which re-executes it) or calls again.
	 */
	bool rep_more;

	/* Private scratch: the uncommitted register file of this attempt. */
	u64 work_regs[KVMX_NR_GPRS];
	u64 work_rflags;
};

/* The mode from CR0, EFER, RFLAGS and the CS attributes L and D/B. */
enum kvmx_cpu_mode kvmx_emul_cpu_mode(u64 cr0, u64 efer, u64 rflags,
				      bool cs_l, bool cs_db);

/* Zero @ctxt (vendor AMD) and set ops, opaque and mode. */
void kvmx_emul_init(struct kvmx_emul_ctxt *ctxt, const struct kvmx_emul_ops *ops,
		    void *opaque, enum kvmx_cpu_mode mode);

/*
 * kvmx_insn_decode - decode one instruction from a byte buffer.
 * @insn:  output
 * @bytes: the instruction bytes
 * @avail: how many bytes are valid (may exceed 15; only 15 are looked at)
 * @mode:  execution mode
 *
 * Decodes prefixes, opcode, ModRM/SIB, displacement and immediates.  The
 * memory operand's ea/la are not computed (see kvmx_emulate()).
 *
 * Return: 0, or -ENODATA (needs more than @avail bytes), -E2BIG (longer
 * than 15 bytes: #GP(0)), -EILSEQ (architecturally invalid: #UD),
 * -EOPNOTSUPP (an encoding this decoder does not know, e.g. VEX/EVEX).
 */
int kvmx_insn_decode(struct kvmx_insn *insn, const u8 *bytes,
		     unsigned int avail, enum kvmx_cpu_mode mode);

/*
 * kvmx_insn_length - the length of the instruction in @bytes.
 *
 * For skipping an intercepted instruction (CPUID, HLT, IN/OUT, RDMSR, ...)
 * on hardware without next-RIP information.
 *
 * Return: 1..15, or a negative errno as kvmx_insn_decode().
 */
int kvmx_insn_length(const u8 *bytes, unsigned int avail, enum kvmx_cpu_mode mode);

/*
 * kvmx_emulate - decode and execute the instruction at ctxt->rip.
 *
 * Return: an enum kvmx_emul_result; see the contract at the top.
 * Notes: RFLAGS.RF is cleared on completion, as hardware does; RFLAGS.TF
 * single-step traps are the caller's to deliver; segment limits and
 * permissions are not checked (TODO: only canonical checks in 64-bit mode).
 */
enum kvmx_emul_result kvmx_emulate(struct kvmx_emul_ctxt *ctxt);

#endif /* KVMX_EMULATE_H */
