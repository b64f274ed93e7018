/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VMX backend: the vCPU state and the hardware layouts the backend
 * owns.  VMCS field encodings, control bits and exit reasons are the host
 * kernel's own declarations of the Intel SDM ("Field Encoding in VMCS",
 * "VM-Execution Control Fields", "Basic Exit Reasons"): <asm/vmx.h>.
 */
#ifndef KVMX_VMX_H
#define KVMX_VMX_H

#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/types.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "kvmx_shadow.h"
#include "kvmx_x86.h"

/*
 * A VMCS region (Intel SDM, "Format of the VMCS Region"): the revision
 * identifier from IA32_VMX_BASIC[30:0], the abort indicator, then data in
 * a format only the processor knows.  The VMXON region starts the same way.
 */
struct vmx_vmcs {
	u32 revision_id;
	u32 abort;
	u8 data[PAGE_SIZE - 8];
} __packed;
static_assert(sizeof(struct vmx_vmcs) == PAGE_SIZE);

/*
 * One entry of a VM-entry/VM-exit MSR area ("VM-Entry Controls for MSRs"):
 * struct vmx_msr_entry of <asm/vmx.h>, index, reserved, value.
 */
static_assert(sizeof(struct vmx_msr_entry) == 16);
static_assert(offsetof(struct vmx_msr_entry, value) == 8);

/*
 * MSRs the processor switches through the MSR areas on every entry and
 * exit: the SYSCALL family, the swapped GS base and TSC_AUX (RDTSCP,
 * RDPID), which the guest reads and writes without exits.  The index into
 * both areas is fixed.
 */
enum vmx_autoload_msr {
	VMX_AUTO_STAR,
	VMX_AUTO_LSTAR,
	VMX_AUTO_CSTAR,
	VMX_AUTO_SFMASK,
	VMX_AUTO_KERNEL_GS_BASE,
	VMX_AUTO_TSC_AUX,	/* last: left out without RDTSCP */
	VMX_NR_AUTOLOAD,
};

/* MSR bitmap: four 1 KiB bitmaps ("MSR-Bitmap Address"). */
#define VMX_MSR_BITMAP_READ_LOW		0x000
#define VMX_MSR_BITMAP_READ_HIGH	0x400
#define VMX_MSR_BITMAP_WRITE_LOW	0x800
#define VMX_MSR_BITMAP_WRITE_HIGH	0xc00

/* Exit qualification of control-register accesses. */
#define VMX_CR_QUAL_CR(q)		((q) & 0xf)
#define VMX_CR_QUAL_TYPE(q)		(((q) >> 4) & 3)
#define VMX_CR_QUAL_GPR(q)		(((q) >> 8) & 0xf)
#define VMX_CR_QUAL_LMSW_DATA(q)	(((q) >> 16) & 0xffff)
#define VMX_CR_TYPE_MOV_TO		0
#define VMX_CR_TYPE_MOV_FROM		1
#define VMX_CR_TYPE_CLTS		2
#define VMX_CR_TYPE_LMSW		3

/*
 * Exceptions that always exit: #DB and #AC could otherwise loop in the
 * CPU (as with SVM), and #DB also serves debug.c's single-stepping and
 * breakpoints; #UD for kvm's hypercall fix-up (x86/quirks.c).
 */
#define VMX_EXCEPTION_BITMAP		(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | \
					 BIT(X86_TRAP_UD))

/* Exit qualification of #DB: the DR6 bits B0-B3, BD and BS. */
#define VMX_DB_QUAL_DR6_BITS		0x600fULL

/* Exit qualification of MOV DR. */
#define VMX_DR_QUAL_DR(q)		((q) & 7)
#define VMX_DR_QUAL_FROM		BIT(4)
#define VMX_DR_QUAL_GPR(q)		(((q) >> 8) & 0xf)

/* Exit qualification of I/O instructions. */
#define VMX_IO_QUAL_SIZE(q)		(((q) & 7) + 1)
#define VMX_IO_QUAL_IN			BIT(3)
#define VMX_IO_QUAL_STRING		BIT(4)
#define VMX_IO_QUAL_REP			BIT(5)
#define VMX_IO_QUAL_PORT(q)		(((q) >> 16) & 0xffff)

/*
 * VM-exit instruction information of INS/OUTS: address size (0: 16-bit,
 * 1: 32-bit, 2: 64-bit) and segment, numbered ES CS SS DS FS GS as
 * enum kvmx_sreg.
 */
#define VMX_INSN_INFO_ADDR_SIZE(i)	(((i) >> 7) & 7)
#define VMX_INSN_INFO_SEG(i)		(((i) >> 15) & 7)

/* Exit qualification of EPT violations: the access that faulted. */
#define VMX_EPT_QUAL_WRITE		BIT(1)

/* Basic exit reasons <asm/vmx.h> does not name ("Basic Exit Reasons"). */
#define VMX_EXIT_GETSEC			11
#define VMX_EXIT_RSM			17

/*
 * PAUSE-loop exiting ("PAUSE-Loop Exiting"): a guest at CPL 0 exits once it
 * has executed PAUSE instructions no more than VMX_PLE_GAP TSC cycles apart
 * for more than VMX_PLE_WINDOW cycles, i.e. it spins waiting for something,
 * often another vCPU that needs this CPU to make progress (kvm_intel's
 * default ple_gap and ple_window).
 */
#define VMX_PLE_GAP			128
#define VMX_PLE_WINDOW			4096

/* DR7 bit 10 reads as 1 ("Debug Control Register (DR7)"). */
#define VMX_DR7_FIXED_1			0x400

/* Guest interruptibility: blocking by STI and by MOV SS. */
#define VMX_INTR_BLOCK_STI		BIT(0)
#define VMX_INTR_BLOCK_MOV_SS		BIT(1)
#define VMX_INTR_BLOCK_NMI		BIT(3)

/* Segment access rights in the VMCS ("Guest Register State"). */
#define VMX_AR_UNUSABLE			BIT(16)

/**
 * struct vmx_seg - a guest segment register as the VMCS holds it
 * @selector: visible part
 * @limit:    byte-granular limit (G already applied)
 * @ar:       access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13,
 *            D/B 14, G 15, unusable 16
 * @base:     base address
 */
struct vmx_seg {
	u16 selector;
	u32 limit;
	u32 ar;
	u64 base;
};

/**
 * struct vmx_guest - the guest-state cache
 *
 * The x86 layer reads and writes guest state through the ops at any time
 * (ioctls, exit handlers), while the VMCS can only be accessed on the CPU
 * where it is current.  So the backend keeps the guest state here: it is
 * read from the VMCS after every exit and written back before the next
 * entry when @dirty says an op changed it.  Only kvmx_vmx_run() touches the
 * VMCS, with preemption disabled.
 *
 * @seg:       segment registers, indexed by enum kvmx_sreg
 * @gdtr/@idtr: descriptor tables (base, limit)
 * @cr0:       CR0 as the guest sees it (the read shadow, plus TS)
 * @cr3:       guest CR3
 * @cr4:       CR4 as the guest sees it (the read shadow)
 * @cr8:       the task-priority register (CR8 accesses exit)
 * @efer:      guest EFER, LMA included
 * @rflags:    guest RFLAGS
 * @intr_state: guest interruptibility state
 * @pdptr:     PAE page-directory pointers, used when PAE paging is on
 * @sysenter_cs/@sysenter_esp/@sysenter_eip: the SYSENTER MSRs
 * @pat:       IA32_PAT
 * @dirty:     set by every op that changes a field; cleared when written
 * All fields are protected by the vCPU mutex.
 */
struct vmx_guest {
	struct vmx_seg seg[KVMX_NR_SREGS];
	struct {
		u64 base;
		u32 limit;
	} gdtr, idtr;
	u64 cr0, cr3, cr4, cr8;
	u64 efer;
	u64 rflags;
	u32 intr_state;
	u64 pdptr[4];
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 pat;
	bool dirty;
};

/**
 * struct vmx_exit - what the last exit reported, read right after it
 * @reason:        exit reason (bit 31: VM-entry failure)
 * @qual:          exit qualification
 * @insn_len:      VM-exit instruction length (for skip_insn, which the x86
 *                 layer may call on the next KVM_RUN, long after the exit)
 * @intr_info:     VM-exit interruption information
 * @intr_error:    its error code (0 when it has none)
 * @idt_info:      IDT-vectoring information (an event cut short)
 * @idt_error:     its error code (0 when it has none)
 * @gpa:           guest-physical address of EPT violations
 * @insn_info:     VM-exit instruction information (INS/OUTS)
 * @insn_error:    VM-instruction error of a failed VMLAUNCH/VMRESUME
 */
struct vmx_exit {
	u32 reason;
	u64 qual;
	u32 insn_len;
	u32 intr_info;
	u32 intr_error;
	u32 idt_info;
	u32 idt_error;
	u64 gpa;
	u32 insn_info;
	u32 insn_error;
};

/**
 * struct kvmx_vmx_vcpu - VMX state of one vCPU
 * @x86:          vendor-neutral state (first member)
 * @vmcs:         the VMCS region; @vmcs_pa its physical address
 * @msr_bitmap:   one page; a set bit makes the access exit
 * @guest_msrs:   VM-entry MSR-load and VM-exit MSR-store area (the guest's
 *                values of enum vmx_autoload_msr)
 * @host_msrs:    VM-exit MSR-load area (the host's values)
 * @cpu:          CPU on which the VMCS is active (VMPTRLD done, not yet
 *                VMCLEARed), or -1.  Written by that CPU with interrupts
 *                off, or by the vCPU thread while it is -1.
 * @loaded_link:  entry in that CPU's list of active VMCSs
 * @launched:     VMLAUNCH succeeded since the last VMCLEAR (VMRESUME next)
 * @initialized:  the VMCS controls were written (done once, at first load)
 * @vpid:         the vCPU's VPID (0 when VPIDs are off)
 * @flush_ept:    flush the EPTP context (or, with shadow paging, the VPID)
 *                at the next entry: KVMX_REQ_TLB_FLUSH, a move to a new CPU
 * @flush_tlb:    flush this VPID at the next entry: KVMX_REQ_TLB_FLUSH_GUEST,
 *                shadow paging, a move to a new CPU
 * @entry_failed: the last VMLAUNCH/VMRESUME itself failed (VMfail)
 * @guest:        guest-state cache (see struct vmx_guest)
 * @exit:         the last exit's information
 * @entry_ctls:   VM-entry controls as last written (IA-32e mode varies)
 * @proc_ctls:    primary processor-based controls as last written
 * @want_proc_ctls: the same with the interrupt/NMI windows this entry needs
 * @clear_pending_step: clear BS in the pending debug exceptions before the
 *                next entry (an instruction was skipped with TF set)
 * @exc_bitmap:   the exception bitmap this vCPU wants (#BP while userspace
 *                plants software breakpoints); @exc_bitmap_hw as written
 * @entry_info:   VM-entry interruption information of the next entry
 *                (from the inject_event op), @entry_error its error code
 * @host_cr3/@host_cr4: as last written to the VMCS (they can change)
 * @tsc_offset_hw: TSC_OFFSET as last written to the VMCS
 * @regs_cr2:     guest CR2, which the processor does not switch
 * @shadow_hw:    with shadow paging, the CR0/CR3/CR4/EFER last written to
 *                the guest state (kvmx_x86_vcpu.shadow_hw is this entry's)
 * @rmode_tss:    with shadow paging, the three pages of the TSS that
 *                virtual-8086 mode runs with (rmode.c), or NULL
 * All fields but @cpu/@loaded_link are protected by the vCPU mutex.
 */
struct kvmx_vmx_vcpu {
	struct kvmx_x86_vcpu x86;
	struct vmx_vmcs *vmcs;
	u64 vmcs_pa;
	void *msr_bitmap;
	struct vmx_msr_entry *guest_msrs;
	struct vmx_msr_entry *host_msrs;
	int cpu;
	struct list_head loaded_link;
	bool launched;
	bool initialized;
	u16 vpid;
	bool flush_ept;
	bool flush_tlb;
	bool entry_failed;
	struct vmx_guest guest;
	struct vmx_exit exit;
	u32 entry_ctls;
	u32 proc_ctls, want_proc_ctls;
	bool clear_pending_step;
	u32 exc_bitmap, exc_bitmap_hw;
	u32 entry_info, entry_error;
	u64 host_cr3, host_cr4;
	u64 tsc_offset_hw;
	u64 regs_cr2;
	struct kvmx_shadow_hw shadow_hw;
	struct page *rmode_tss;
};

static inline struct kvmx_vmx_vcpu *to_vmx(struct kvmx_x86_vcpu *xv)
{
	return container_of(xv, struct kvmx_vmx_vcpu, x86);
}

/* vmenter.S */
int kvmx_vmx_vmenter(u64 *regs, u64 *cr2, bool launched);
void kvmx_vmx_vmexit(void);

/**
 * struct vmx_config - what the CPU offers, read once at probe
 * @revision_id:  VMCS revision identifier (IA32_VMX_BASIC[30:0])
 * @pin/@proc/@proc2/@exit/@entry: the control words kvmx runs with, fitted
 *                to the (TRUE_) capability MSRs; @entry without IA-32e mode
 * @ept_vpid_cap: IA32_VMX_EPT_VPID_CAP
 * @ins_outs_info: INS/OUTS exits report instruction information
 *                (IA32_VMX_BASIC bit 54)
 * @nr_autoload:  MSRs in the autoload areas: all of enum vmx_autoload_msr,
 *                or all but TSC_AUX on a CPU without RDTSCP
 * @has_vpid:     VPIDs are in use (vpid=1 and INVVPID single-context exists)
 * @cr0_fixed0/@cr0_fixed1/@cr4_fixed0/@cr4_fixed1: bits fixed to 1 (fixed0)
 *                and allowed to be 1 (fixed1) in VMX operation; PE and PG
 *                are dropped from @cr0_fixed0 (unrestricted guest)
 * Written by vmx_probe() before any VM exists; read-only afterwards.
 */
struct vmx_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;
	u64 ept_vpid_cap;
	unsigned int nr_autoload;
	bool has_vpid;
	bool ins_outs_info;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

extern struct vmx_config vmx_cfg;

void vmx_insn_failed(const char *insn, u64 arg);

/*
 * VMREAD/VMWRITE of the current VMCS (preemption disabled, VMCS loaded).
 * A failure (CF or ZF set) jumps straight to the report: a VM exit reads
 * and writes some fifty fields, and a flag materialised and tested after
 * each would be two more instructions apiece.
 */
static __always_inline u64 vmcs_read(unsigned long field)
{
	u64 value;

	asm volatile goto("vmread %[field], %[value]\n\t"
			  "jna %l[fail]"
			  : [value] "=r"(value) : [field] "r"(field) : "cc"
			  : fail);
	return value;
fail:
	vmx_insn_failed("vmread", field);
	return 0;
}

static __always_inline void vmcs_write(unsigned long field, u64 value)
{
	asm goto("vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]"
		 : : [value] "rm"(value), [field] "r"(field) : "cc"
		 : fail);
	return;
fail:
	vmx_insn_failed("vmwrite", field);
}

/* vmx.c */
bool vmx_pae_paging(struct kvmx_vmx_vcpu *vmx);
void vmx_load_pdptrs(struct kvmx_vmx_vcpu *vmx);

/* exits.c: the exit table and what surrounds it. */
int vmx_dispatch_exit(struct kvmx_vmx_vcpu *vmx);
int vmx_skip_insn(struct kvmx_x86_vcpu *xv);
int vmx_fail_entry(struct kvmx_vmx_vcpu *vmx, u32 reason);
void vmx_handle_nmi_irqoff(struct kvmx_vmx_vcpu *vmx);
void vmx_dump_vmcs(struct kvmx_vmx_vcpu *vmx);

/*
 * What each basic exit reason is counted as (enum kvmx_exit_kind), filled
 * once by vmx_exit_kinds_init() (exits.c) so that an exit costs one load.
 */
#define VMX_NR_BASIC_REASONS	128
extern u8 vmx_exit_kinds[VMX_NR_BASIC_REASONS];
void vmx_exit_kinds_init(void);

static inline enum kvmx_exit_kind vmx_exit_kind(u16 basic)
{
	return basic < VMX_NR_BASIC_REASONS ? vmx_exit_kinds[basic] :
	       KVMX_EXIT_OTHER;
}

/*
 * Real mode without unrestricted guest (shadow paging): the guest runs in
 * virtual-8086 mode.  rmode.c.
 */
static inline bool vmx_rmode(const struct kvmx_vmx_vcpu *vmx)
{
	return vmx->x86.shadow && !(vmx->guest.cr0 & X86_CR0_PE);
}

/*
 * The virtual-8086 TSS (SDM "Task-State Segment", "Interrupt and Exception
 * Handling in Virtual-8086 Mode"): the 104-byte 32-bit TSS, the 32-byte
 * software-interrupt redirection bitmap, the I/O permission bitmap of all
 * 65536 ports and its closing 0xff byte.  Three pages, as KVM_SET_TSS_ADDR
 * reserves.
 */
#define VMX_RMODE_TSS_IOMAP	(104 + 32)
#define VMX_RMODE_TSS_LIMIT	(VMX_RMODE_TSS_IOMAP + 65536 / 8)
#define VMX_RMODE_TSS_PAGES	3
static_assert(VMX_RMODE_TSS_PAGES * PAGE_SIZE > VMX_RMODE_TSS_LIMIT);

int vmx_rmode_prepare(struct kvmx_vmx_vcpu *vmx);
u64 vmx_rmode_tss_base(const struct kvmx_vmx_vcpu *vmx);
void vmx_rmode_deliver(struct kvmx_vmx_vcpu *vmx, u8 vector, u64 ip);
int vmx_rmode_exception(struct kvmx_vmx_vcpu *vmx);
void vmx_rmode_enter_pmode(struct kvmx_vmx_vcpu *vmx);
struct page *vmx_private_page(struct kvmx_x86_vcpu *xv, u64 gfn);
void vmx_rmode_free(struct kvmx_vmx_vcpu *vmx);

/* l1d.c: the L1D flush on VM entry (L1TF). */
int vmx_l1d_flush_setup(void);
void vmx_l1d_flush_unsetup(void);
const char *vmx_l1d_flush_mode(void);
void vmx_l1d_flush(bool cond);

#endif
