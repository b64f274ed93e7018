/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM hardware layouts: the VMCB (AMD APM vol. 2, appendix "Layout of
 * VMCB"), intercept bits and event-injection encodings.
 */
#ifndef KVMX_SVM_H
#define KVMX_SVM_H

#include <linux/build_bug.h>
#include <linux/types.h>

#include "kvmx_x86.h"

/* Intercept vector 3 (control area offset 0x0c). */
enum {
	SVMX_INT_INTR		= 0,
	SVMX_INT_NMI		= 1,
	SVMX_INT_SMI		= 2,
	SVMX_INT_INIT		= 3,
	SVMX_INT_VINTR		= 4,
	SVMX_INT_CPUID		= 18,
	SVMX_INT_IRET		= 20,
	SVMX_INT_INVD		= 22,
	SVMX_INT_HLT		= 24,
	SVMX_INT_INVLPG		= 25,
	SVMX_INT_INVLPGA	= 26,
	SVMX_INT_IOIO_PROT	= 27,
	SVMX_INT_MSR_PROT	= 28,
	SVMX_INT_SHUTDOWN	= 31,
};

/* Intercept vector 4 (control area offset 0x10). */
enum {
	SVMX_INT_VMRUN		= 0,
	SVMX_INT_VMMCALL	= 1,
	SVMX_INT_VMLOAD		= 2,
	SVMX_INT_VMSAVE		= 3,
	SVMX_INT_STGI		= 4,
	SVMX_INT_CLGI		= 5,
	SVMX_INT_SKINIT		= 6,
	SVMX_INT_RDTSCP		= 7,
	SVMX_INT_WBINVD		= 9,
	SVMX_INT_MONITOR	= 10,
	SVMX_INT_MWAIT		= 11,
	SVMX_INT_MWAIT_COND	= 12,
	SVMX_INT_XSETBV		= 13,
};

/*
 * Exit codes (APM vol. 2, "SVM Intercept Exit Codes") are the kernel's
 * SVM_EXIT_* of <uapi/asm/svm.h>: uapi, so the same in every kernel kvmx
 * builds against.  The rest of this file stays kvmx's own: the kernel
 * declares the VMCB and these bits only in its internal <asm/svm.h>, which
 * is not stable (6.12 renamed save-area fields, widened spec_ctrl and
 * dropped 6.1's SVM_VM_CR_SVM_DIS_MASK) and whose struct vmcb would clash
 * with kvmx's.
 */

/* IOIO exit information 1 (APM vol. 2, "IN and OUT Intercepts"). */
#define SVMX_IOIO_IN		BIT(0)
#define SVMX_IOIO_STR		BIT(2)
#define SVMX_IOIO_REP		BIT(3)
#define SVMX_IOIO_SIZE_SHIFT	4
#define SVMX_IOIO_SIZE_MASK	(7 << SVMX_IOIO_SIZE_SHIFT)
#define SVMX_IOIO_ASIZE_SHIFT	7	/* bit 7: 16-bit, 8: 32-bit, 9: 64-bit */
#define SVMX_IOIO_ASIZE_MASK	(7 << SVMX_IOIO_ASIZE_SHIFT)
#define SVMX_IOIO_SEG_SHIFT	10	/* effective segment, sreg encoding */
#define SVMX_IOIO_SEG_MASK	(7 << SVMX_IOIO_SEG_SHIFT)
#define SVMX_IOIO_PORT_SHIFT	16

/* EVENTINJ / EXITINTINFO (APM vol. 2, "Event Injection"). */
#define SVMX_EVT_VECTOR_MASK	0xff
#define SVMX_EVT_TYPE_SHIFT	8
#define SVMX_EVT_TYPE_MASK	(7 << SVMX_EVT_TYPE_SHIFT)
#define SVMX_EVT_TYPE_INTR	(0 << SVMX_EVT_TYPE_SHIFT)
#define SVMX_EVT_TYPE_NMI	(2 << SVMX_EVT_TYPE_SHIFT)
#define SVMX_EVT_TYPE_EXEPT	(3 << SVMX_EVT_TYPE_SHIFT)
#define SVMX_EVT_TYPE_SOFT	(4 << SVMX_EVT_TYPE_SHIFT)
#define SVMX_EVT_VALID_ERR	BIT(11)
#define SVMX_EVT_VALID		BIT(31)

/* TLB_CONTROL values. */
#define SVMX_TLB_FLUSH_NOTHING	0
#define SVMX_TLB_FLUSH_ALL	1
#define SVMX_TLB_FLUSH_ASID	3

#define SVMX_NESTED_CTL_NP_ENABLE	BIT(0)
#define SVMX_INT_CTL_V_IRQ		BIT(8)
#define SVMX_INT_CTL_V_INTR_PRIO	(0xf << 16)
#define SVMX_INT_CTL_V_IGN_TPR		BIT(20)
#define SVMX_INT_CTL_V_INTR_MASKING	BIT(24)
#define SVMX_INT_STATE_SHADOW		BIT(0)

/* MSRs of the SVM architecture. */
#define SVMX_MSR_VM_CR		0xc0010114
#define SVMX_VM_CR_SVMDIS	BIT(4)
#define SVMX_MSR_VM_HSAVE_PA	0xc0010117

/* CPUID 0x8000000a EDX feature bits. */
#define SVMX_FEAT_NPT		BIT(0)
#define SVMX_FEAT_NRIPS		BIT(3)

struct vmcb_control {
	u32 intercept_cr;		/* 0x000 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008 */
	u32 intercept3;			/* 0x00c */
	u32 intercept4;			/* 0x010 */
	u32 intercept5;			/* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_ctl;			/* 0x05c */
	u8 reserved_05d[3];
	u32 int_ctl;			/* 0x060 */
	u32 int_vector;			/* 0x064 */
	u64 int_state;			/* 0x068 */
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u64 exit_int_info;		/* 0x088 */
	u64 nested_ctl;			/* 0x090 */
	u64 avic_vapic_bar;		/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u64 event_inj;			/* 0x0a8 */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8 */
	u32 clean;			/* 0x0c0 */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8 */
	u8 insn_len;			/* 0x0d0 */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save {
	struct vmcb_seg es;		/* 0x000 */
	struct vmcb_seg cs;		/* 0x010 */
	struct vmcb_seg ss;		/* 0x020 */
	struct vmcb_seg ds;		/* 0x030 */
	struct vmcb_seg fs;		/* 0x040 */
	struct vmcb_seg gs;		/* 0x050 */
	struct vmcb_seg gdtr;		/* 0x060 */
	struct vmcb_seg ldtr;		/* 0x070 */
	struct vmcb_seg idtr;		/* 0x080 */
	struct vmcb_seg tr;		/* 0x090 */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;				/* 0x0cb */
	u32 reserved_0cc;
	u64 efer;			/* 0x0d0 */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;			/* 0x148 */
	u64 cr3;			/* 0x150 */
	u64 cr0;			/* 0x158 */
	u64 dr7;			/* 0x160 */
	u64 dr6;			/* 0x168 */
	u64 rflags;			/* 0x170 */
	u64 rip;			/* 0x178 */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;			/* 0x1d8 */
	u64 s_cet;			/* 0x1e0 */
	u64 ssp;			/* 0x1e8 */
	u64 isst_addr;			/* 0x1f0 */
	u64 rax;			/* 0x1f8 */
	u64 star;			/* 0x200 */
	u64 lstar;			/* 0x208 */
	u64 cstar;			/* 0x210 */
	u64 sfmask;			/* 0x218 */
	u64 kernel_gs_base;		/* 0x220 */
	u64 sysenter_cs;		/* 0x228 */
	u64 sysenter_esp;		/* 0x230 */
	u64 sysenter_eip;		/* 0x238 */
	u64 cr2;			/* 0x240 */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;			/* 0x268 */
	u64 dbgctl;			/* 0x270 */
	u64 br_from;			/* 0x278 */
	u64 br_to;			/* 0x280 */
	u64 last_excp_from;		/* 0x288 */
	u64 last_excp_to;		/* 0x290 */
	u8 reserved_298[0xc00 - 0x298];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(offsetof(struct vmcb_control, exit_code) == 0x070);
static_assert(offsetof(struct vmcb_control, nested_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb_save, efer) == 0x0d0);
static_assert(offsetof(struct vmcb_save, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save, rip) == 0x178);
static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8);
static_assert(offsetof(struct vmcb_save, rax) == 0x1f8);
static_assert(offsetof(struct vmcb_save, cr2) == 0x240);
static_assert(offsetof(struct vmcb_save, g_pat) == 0x268);
static_assert(sizeof(struct vmcb) == PAGE_SIZE);

/* Sizes of the permission maps (APM vol. 2, "I/O and MSR Permission Maps"). */
#define SVMX_IOPM_ORDER		2	/* 12 KiB used */
#define SVMX_MSRPM_ORDER	1	/* 8 KiB */

/**
 * struct kvmx_svm_vcpu - SVM state of one vCPU
 * @x86:            vendor-neutral state (first member: to_svm() casts)
 * @vmcb:           the VMCB page; @vmcb_pa its physical address
 * @msrpm:          MSR permission map (two pages)
 * @asid:           ASID in use on @asid_cpu while @asid_gen is current
 * @asid_gen:       per-CPU ASID generation @asid was taken from
 * @asid_cpu:       CPU @asid belongs to
 * @nmi_masked:     an NMI handler runs (between NMI delivery and its IRET);
 *                  the CPU keeps this internally, so kvmx tracks it by
 *                  intercepting IRET
 * @iret_pending:   the IRET intercept fired at @iret_rip: NMIs stay blocked
 *                  until the guest is seen past that IRET
 * @iret_rip:       where the intercepted IRET is
 * @nmi_step:       the guest runs single-stepped (RFLAGS.TF) over that IRET
 *                  so that a pending NMI comes right after it; @nmi_step_tf
 *                  says whether the guest had TF itself
 * @tsc_aux:        the guest's IA32_TSC_AUX (loaded around VMRUN, svm_run())
 * All fields are protected by the vCPU mutex.
 */
struct kvmx_svm_vcpu {
	struct kvmx_x86_vcpu x86;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	void *msrpm;
	u32 asid;
	u64 asid_gen;
	int asid_cpu;
	bool nmi_masked;
	bool iret_pending;
	u64 iret_rip;
	bool nmi_step;
	bool nmi_step_tf;
	u64 tsc_aux;
};

static inline struct kvmx_svm_vcpu *to_svm(struct kvmx_x86_vcpu *xv)
{
	return container_of(xv, struct kvmx_svm_vcpu, x86);
}

/* vmenter.S */
void kvmx_svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_save_pa, u64 shadow);

#endif
