/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 layer: vendor-neutral x86 vCPU state and the seam to the vendor
 * backends (struct kvmx_x86_ops, one const instance per vendor, picked once
 * at module load from a probe list).
 */
#ifndef KVMX_X86_H
#define KVMX_X86_H

#include <linux/kvm.h>
#include <asm/fpu/api.h>

#include "kvmx_host.h"
#include "kvmx_emulate.h"
#include "kvmx_mmu.h"
#include "kvmx_pv.h"

/* GPR indices (enum kvmx_gpr, KVMX_RAX...) come from kvmx_emulate.h. */

enum kvmx_sreg {
	KVMX_SREG_ES, KVMX_SREG_CS, KVMX_SREG_SS, KVMX_SREG_DS,
	KVMX_SREG_FS, KVMX_SREG_GS, KVMX_SREG_TR, KVMX_SREG_LDTR,
	KVMX_NR_SREGS,
};

/* Why a vCPU stopped: what kvmx_arch_vcpu_run does next. */
enum kvmx_pending_io {
	KVMX_IO_NONE,
	KVMX_IO_PIO_IN,		/* copy run->io data to RAX, skip the insn */
	KVMX_IO_PIO_OUT,	/* skip the instruction */
	KVMX_IO_PIO_STRING,	/* re-execute the string instruction */
	KVMX_IO_MMIO,		/* re-execute with run->mmio data */
	KVMX_IO_MMIO_NEXT,	/* exit again for kvmx_x86_vcpu.mmio_next */
	KVMX_IO_RDMSR,		/* run->msr.data to EDX:EAX (or #GP), skip */
	KVMX_IO_WRMSR,		/* skip the instruction (or #GP) */
};

/* One page's part of an emulated MMIO access (kvmx_x86_vcpu.mmio_prev). */
struct kvmx_mmio_part {
	u64 gpa;
	u32 len;
	bool valid;
	u8 data[8];
};

/* Why kvmx_get_msr()/kvmx_set_msr() refused a guest access (0: done). */
#define KVMX_MSR_INVALID	1	/* known MSR, invalid access: #GP */
#define KVMX_MSR_UNKNOWN	2	/* not an MSR kvmx implements */
#define KVMX_MSR_FILTERED	3	/* denied by KVM_X86_SET_MSR_FILTER */

struct kvmx_x86_vcpu;

/*
 * The exit-handler return contract, one for both vendors' exit tables, the
 * shared handlers in module/x86/ and the entry sequence (kvmx_entry.h):
 *   KVMX_EXIT_RESUME  the exit is handled: enter the guest again
 *   KVMX_EXIT_USER    kvm_run is filled: KVM_RUN returns 0 to userspace
 *   <0                an error (-errno) that KVM_RUN returns
 * Functions that finish an instruction for a handler (kvmx_skip_insn(),
 * kvmx_handle_io(), kvmx_handle_mmio(), ...) follow it too.
 */
#define KVMX_EXIT_USER		0
#define KVMX_EXIT_RESUME	1

/**
 * enum kvmx_request - work a vCPU must do before its next VM entry
 *
 * Anyone sets a request with kvmx_make_request() (an atomic set_bit on
 * kvmx_vcpu.requests), or on every vCPU of a VM with
 * kvmx_make_all_vcpus_request(), which also forces vCPUs out of guest mode.
 * The vCPU's own thread consumes each request with kvmx_check_request() (a
 * test and clear) in exactly one place: kvmx_process_requests() in
 * module/x86/entry.c.  An entry that finds a request pending with
 * interrupts disabled is abandoned and the run loop comes back.  (What only
 * the vCPU's own thread sets, such as kvmx_x86_vcpu.l1d_flush, is a plain
 * field instead: no atomic operation on every exit.)
 *
 * @KVMX_REQ_TLB_FLUSH: guest-physical mappings were removed or made
 *	read-only (TDP tables, shadow tables): flush every translation the
 *	vCPU's TLB tag may hold (SVM: its ASID; VMX: its EPTP context, or
 *	with shadow paging its VPID) before the next entry.  Made on every
 *	vCPU, synchronously, by kvmx_mmu_flush().
 * @KVMX_REQ_TLB_FLUSH_GUEST: the guest's linear translations are stale
 *	(a CR write, INVLPG under VMX): flush the vCPU's VPID / ASID.
 * @KVMX_REQ_CLOCK_UPDATE: rewrite the vCPU's kvmclock page (KVM_SET_CLOCK,
 *	MSR_KVM_SYSTEM_TIME or the guest TSC offset changed).
 * @KVMX_REQ_MSR_FILTER: the VM's MSR filter changed: the backend updates
 *	its MSR intercepts (kvmx_x86_ops.msr_filter_changed).  Also made
 *	when the vCPU is created.
 * @KVMX_REQ_STEAL_UPDATE: rewrite the vCPU's steal-time structure (x86/pv.c):
 *	made when KVM_RUN starts, when its task is scheduled back in and
 *	when MSR_KVM_STEAL_TIME is enabled.  Consumed before
 *	@KVMX_REQ_TLB_FLUSH_GUEST, which it may make (PV TLB flush).
 */
enum kvmx_request {
	KVMX_REQ_TLB_FLUSH,
	KVMX_REQ_TLB_FLUSH_GUEST,
	KVMX_REQ_CLOCK_UPDATE,
	KVMX_REQ_MSR_FILTER,
	KVMX_REQ_STEAL_UPDATE,
};

static inline void kvmx_make_request(enum kvmx_request req,
				     struct kvmx_vcpu *vcpu)
{
	set_bit(req, &vcpu->requests);
}

/* Test and clear @req; only the vCPU's own thread calls this. */
static inline bool kvmx_check_request(enum kvmx_request req,
				      struct kvmx_vcpu *vcpu)
{
	/* The plain test spares the locked clear when nothing is pending. */
	return test_bit(req, &vcpu->requests) &&
	       test_and_clear_bit(req, &vcpu->requests);
}

/* Machine-check banks a vCPU can have (kvm's KVM_MAX_MCE_BANKS). */
#define KVMX_MCE_BANKS		32

/**
 * struct kvmx_mce - a vCPU's machine-check registers (x86/mce.c)
 * @mcg_cap, @mcg_status, @mcg_ctl: IA32_MCG_CAP, _STATUS, _CTL
 * @banks:  per bank MCi_CTL, MCi_STATUS, MCi_ADDR, MCi_MISC
 * @ctl2:   per bank MCi_CTL2 (CMCI enable and threshold)
 */
struct kvmx_mce {
	u64 mcg_cap;
	u64 mcg_status;
	u64 mcg_ctl;
	u64 banks[KVMX_MCE_BANKS][4];
	u64 ctl2[KVMX_MCE_BANKS];
};

/* Kinds of event a VM entry can deliver. */
enum kvmx_event_type {
	KVMX_EVENT_EXCEPTION,
	KVMX_EVENT_NMI,
	KVMX_EVENT_INTR,
};

/**
 * struct kvmx_pio - one port I/O exit, as the vendor decoded it
 * @port, @size, @in:  the access (size 1, 2 or 4)
 * @string, @rep:      INS/OUTS, with a REP prefix
 * @addr_bytes:        address size of the string form (2, 4 or 8)
 * @seg:               segment of the source (OUTS; INS always uses ES)
 * @count:             elements in the batch in flight (string form)
 */
struct kvmx_pio {
	u16 port;
	u8 size;
	bool in;
	bool string;
	bool rep;
	u8 addr_bytes;
	enum kvmx_sreg seg;
	u32 count;
};

/**
 * struct kvmx_x86_ops - what a vendor backend provides
 *
 * Every vCPU op runs with vcpu->mutex held.
 */
struct kvmx_x86_ops {
	const char *name;
	/* Can this CPU run the backend?  0, or -errno after one pr_err line. */
	int (*probe)(void);
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	int (*hw_enable_cpu)(void);
	void (*hw_disable_cpu)(void);

	/* Encoding of the backend's TDP entries (NPT or EPT). */
	const struct kvmx_tdp_format *tdp_format;
	/*
	 * The backend's own nested-paging switch (its npt or ept module
	 * parameter): false gives every VM shadow paging.  The MMU reads it
	 * at load and clears it when tdp=N (sysfs shows what is in force).
	 */
	bool *nested_paging;
	/* Highest address KVM_SET_TSS_ADDR accepts (the vendor kvm module's). */
	u64 tss_addr_max;
	/* The backend can run VMs with shadow paging (kvmx_shadow.h). */
	bool shadow_paging;
	/*
	 * KVM_CAP_VAPIC: userspace is offered the TPR-patching interface
	 * (KVM_SET_VAPIC_ADDR and KVM_HC_VAPIC_POLL_IRQ work either way).
	 * kvm offers it only where the CPU has no TPR shadow: kvm-amd does,
	 * kvm-intel does not (flexpriority), and kvmx answers as each.
	 */
	bool tpr_patching;
	/*
	 * Machine checks (x86/mce.c), as the vendor's kvm module presents
	 * them.  @mcg_cap_extra: capabilities offered by
	 * KVM_X86_GET_MCE_CAP_SUPPORTED besides MCG_CTL_P and MCG_SER_P
	 * (kvm-intel: MCG_CMCI_P, corrected-error interrupts).
	 * @mcg_cap_kept: the MCG_CAP bits KVM_X86_SETUP_MCE keeps, the rest
	 * read as 0 (kvm-amd: the bank count and MCG_CTL_P, as AMD reserves
	 * MCG_CAP[63:9]; kvm-intel: all).
	 */
	u64 mcg_cap_extra;
	u64 mcg_cap_kept;
	/*
	 * Shadow paging: a page of the backend's own that the guest-physical
	 * page @gfn maps to for now (VMX: the virtual-8086 TSS), or NULL.
	 * Read-only to the guest.  Optional.
	 */
	struct page *(*private_page)(struct kvmx_x86_vcpu *xv, u64 gfn);

	struct kvmx_x86_vcpu *(*vcpu_alloc)(void);
	int (*vcpu_create)(struct kvmx_x86_vcpu *xv);
	void (*vcpu_free)(struct kvmx_x86_vcpu *xv);

	void (*get_segment)(struct kvmx_x86_vcpu *xv, struct kvm_segment *s,
			    enum kvmx_sreg seg);
	/* The base alone (the emulator's address arithmetic, per access). */
	u64 (*get_segment_base)(struct kvmx_x86_vcpu *xv, enum kvmx_sreg seg);
	void (*set_segment)(struct kvmx_x86_vcpu *xv,
			    const struct kvm_segment *s, enum kvmx_sreg seg);
	void (*get_dtable)(struct kvmx_x86_vcpu *xv, struct kvm_dtable *dt,
			   bool idt);
	void (*set_dtable)(struct kvmx_x86_vcpu *xv,
			   const struct kvm_dtable *dt, bool idt);
	/* Control registers as the guest sees them (CR0/2/3/4), and EFER. */
	u64 (*get_cr)(struct kvmx_x86_vcpu *xv, int cr);
	void (*set_cr)(struct kvmx_x86_vcpu *xv, int cr, u64 val);
	void (*set_efer)(struct kvmx_x86_vcpu *xv, u64 efer);
	u64 (*get_rflags)(struct kvmx_x86_vcpu *xv);
	void (*set_rflags)(struct kvmx_x86_vcpu *xv, u64 rflags);
	int (*get_cpl)(struct kvmx_x86_vcpu *xv);
	/* MSRs kept in vendor state; -ENOENT if not one of them. */
	int (*get_msr)(struct kvmx_x86_vcpu *xv, u32 index, u64 *data);
	int (*set_msr)(struct kvmx_x86_vcpu *xv, u32 index, u64 data);

	/*
	 * @enter_guest: enter the guest once and handle the exit (KVMX_EXIT_*
	 *	or -errno), after the run loop consumed the requests: the
	 *	backend's instance of kvmx_enter_guest() (kvmx_entry.h) with its
	 *	own table, so that the hooks below are direct calls.
	 *
	 * The entry sequence calls these in this order.
	 *
	 * @triple_fault: xv->triple_fault was set: fill kvm_run for the
	 *	KVM_EXIT_SHUTDOWN (SVM also rebuilds the VMCB, as after a
	 *	shutdown intercept).  Optional: kvmx_handle_shutdown() if NULL.
	 * @shadow_prepare: shadow paging, preemptible, before
	 *	kvmx_mmu_load_root(): what the guest's mode needs first (VMX: the
	 *	virtual-8086 TSS of real mode).  Optional.
	 * @vcpu_load: preemption disabled, interrupts enabled: make the vCPU's
	 *	hardware state current on this CPU (VMX: the VMCS).  Optional.
	 * @clear_event: interrupts disabled, before kvmx_inject_pending_event():
	 *	forget the event the previous entry injected.  Optional (SVM
	 *	clears EVENTINJ after VMRUN).
	 * @rmode_event: deliver an event that inject_event left in
	 *	kvmx_x86_vcpu.soft_event (VMX real mode: through the guest's IVT,
	 *	writing guest memory), with interrupts and preemption enabled;
	 *	the entry is abandoned.  Optional.
	 * @run: the world switch, interrupts disabled, after the FPU, XCR0 and
	 *	the debug registers are the guest's: load the VMCB/VMCS from the
	 *	register cache (with shadow paging, kvmx_x86_vcpu.shadow_hw),
	 *	flush L1D if @flush_l1d (VMX) and what the TLB flush ops asked
	 *	for, enter, and read back what must be read before the host's
	 *	state returns (GPRs, DR6/DR7 the guest owned).
	 * @handle_exit_irqoff: right after the debug registers and XCR0 are
	 *	the host's again, interrupts still disabled (VMX: exit
	 *	information, the NMI that caused the exit).  Optional.
	 * @handle_exit: interrupts enabled: account and trace the exit
	 *	(kvmx_stat_exit()), requeue the event it cut short and dispatch
	 *	it from the vendor's exit table (KVMX_EXIT_* contract).
	 * @flush_tlb, @flush_tlb_guest: from kvmx_process_requests(), for
	 *	KVMX_REQ_TLB_FLUSH and KVMX_REQ_TLB_FLUSH_GUEST (the latter also
	 *	when kvmx_mmu_load_root() asks for a flush): flush the
	 *	translations of the vCPU's TLB tag at its next entry.
	 */
	int (*enter_guest)(struct kvmx_x86_vcpu *xv);
	int (*triple_fault)(struct kvmx_x86_vcpu *xv);
	int (*shadow_prepare)(struct kvmx_x86_vcpu *xv);
	void (*vcpu_load)(struct kvmx_x86_vcpu *xv);
	void (*clear_event)(struct kvmx_x86_vcpu *xv);
	void (*rmode_event)(struct kvmx_x86_vcpu *xv, u8 vector);
	void (*run)(struct kvmx_x86_vcpu *xv, bool flush_l1d);
	void (*handle_exit_irqoff)(struct kvmx_x86_vcpu *xv);
	int (*handle_exit)(struct kvmx_x86_vcpu *xv);
	void (*flush_tlb)(struct kvmx_x86_vcpu *xv);
	void (*flush_tlb_guest)(struct kvmx_x86_vcpu *xv);
	/*
	 * The backend flushes L1D on entry when kvmx_x86_vcpu.l1d_flush is
	 * set: the entry sequence sets it (an exit to userspace, an abandoned
	 * entry) and hands it to @run only where this is set.
	 */
	bool l1d_flush;
	/* Advance RIP past the instruction that exited (KVMX_EXIT_*). */
	int (*skip_insn)(struct kvmx_x86_vcpu *xv);

	/* Event injection (x86/irq.c decides what; these say how). */
	bool (*interrupt_allowed)(struct kvmx_x86_vcpu *xv);
	bool (*nmi_allowed)(struct kvmx_x86_vcpu *xv);
	void (*inject_event)(struct kvmx_x86_vcpu *xv, enum kvmx_event_type type,
			     u8 vector, bool has_error, u32 error_code);
	/* Exit as soon as an interrupt / an NMI could be injected. */
	void (*enable_window)(struct kvmx_x86_vcpu *xv, bool irq, bool nmi);
	u32 (*get_interrupt_shadow)(struct kvmx_x86_vcpu *xv);
	void (*set_interrupt_shadow)(struct kvmx_x86_vcpu *xv, u32 shadow);
	/*
	 * Intercept #BP while KVM_GUESTDBG_USE_SW_BP is set; also marks the
	 * backend as one whose run op loads the effective debug state (see
	 * module/x86/debug.c).  Optional: without it KVM_SET_GUEST_DEBUG is
	 * not offered.
	 */
	void (*update_exception_intercepts)(struct kvmx_x86_vcpu *xv);
	/*
	 * The VM's MSR filter changed: intercept the MSRs the guest otherwise
	 * reaches without an exit if the filter denies them.  Called for
	 * KVMX_REQ_MSR_FILTER before an entry, preemptible.  Optional:
	 * without it the MSR filter and userspace MSR exits are not offered.
	 */
	void (*msr_filter_changed)(struct kvmx_x86_vcpu *xv);
	bool (*get_nmi_mask)(struct kvmx_x86_vcpu *xv);
	void (*set_nmi_mask)(struct kvmx_x86_vcpu *xv, bool masked);
};

/**
 * struct kvmx_x86_vcpu - vendor-neutral x86 vCPU state
 * @vcpu:        the core vCPU (container_of from backend state goes through
 *               this struct: the backend embeds it first)
 * @regs:        GPRs; authoritative while the guest is not running, except
 *               that backends keep RSP/RAX in their own state as noted there
 * @rip:         guest RIP
 * @cpuid:       CPUID table from KVM_SET_CPUID2 (kvmalloc'd), @nr_cpuid entries
 * @cr4_guest_rsvd: CR4 bits whose feature @cpuid does not offer (0 until
 *               KVM_SET_CPUID2)
 * @emul_vendor: whose behaviour the emulator gives where Intel and AMD
 *               differ: @cpuid's vendor, the host's until KVM_SET_CPUID2
 *               (kvmx_emul_vendor())
 * @efer:        guest EFER as written by the guest (LMA included)
 * @apic_base:   IA32_APIC_BASE
 * @pat:         IA32_PAT
 * @tsc_offset:  guest TSC = host TSC + tsc_offset
 * @tsc_adjust:  IA32_TSC_ADJUST
 * @db, @dr6, @dr7: the guest's DR0-3, DR6 and DR7, emulated or, while
 *               @dr_passthrough, in hardware (module/x86/debug.c)
 * @dr_passthrough: the guest owns DR0-7 until the next exit (debug.c)
 * @guest_debug: KVM_GUESTDBG_* flags from KVM_SET_GUEST_DEBUG (0: off)
 * @guest_debug_dr: userspace's DR0-3 and DR7 ([7]; 4-6 unused), in force
 *               instead of the guest's with KVM_GUESTDBG_USE_HW_BP
 * @xcr0:        guest XCR0
 * @misc_enable: IA32_MISC_ENABLE
 * @platform_info: MSR_PLATFORM_INFO as userspace set it (0 by default)
 * @tsc_khz:     the guest TSC rate KVM_GET_TSC_KHZ reports (the host's)
 * @power_ctl:   MSR_IA32_POWER_CTL, stored only, as kvm does
 * @system_time: MSR_KVM_SYSTEM_TIME(_NEW): the kvmclock page's address,
 *               bit 0 enabling it
 * @kvmclock_version: the version last written to the kvmclock page
 * @mtrr:        MTRR MSRs (def type, fixed, variable base/mask pairs)
 * @mp_state:    KVM_MP_STATE_*
 * @guest_fpu:   guest FPU/XSAVE state, swapped in around guest entry
 * @pending_io:  what the next KVM_RUN completes before entering
 * @pio:         the port I/O exit in flight
 * @mmio_*:      the MMIO access in flight while @pending_io == KVMX_IO_MMIO:
 *               its gpa and length, whether the emulated instruction wrote
 *               to MMIO, and the read data userspace supplied (@mmio_ready)
 * @mmio_prev:   an access that crosses from one userspace-MMIO page into
 *               another exits once per part, as in kvm: a read's first
 *               part, answered, while its second part exits
 * @mmio_next:   a write's second part, which exits after the first
 *               (@pending_io == KVMX_IO_MMIO_NEXT)
 * @emul:        emulator context (large, so kept here, not on the stack)
 * @emul_reads:  reads of an instruction re-run after an MMIO exit
 * @emul_retry:  the emulator's page walk raced a guest page-table update:
 *               the instruction is abandoned and re-entered, not faulted
 * @exception:   an exception queued for injection on the next entry
 * @interrupt:   an external interrupt queued by KVM_INTERRUPT (or cut
 *               short by an exit), delivered when the guest allows it
 * @nmi_pending: NMIs waiting for delivery (KVM_NMI), at most two
 * @nmi_injected: an NMI whose delivery an exit cut short: re-injected next
 * @soft_event:  an event the inject_event op cannot put into the VM entry
 *               (VMX real mode): @pending, @vector; the entry sequence
 *               hands it to the rmode_event op
 * @triple_fault: a fault while delivering #DF: the next run exits SHUTDOWN
 * @ran:         KVM_RUN entered the guest once (CPUID is frozen from then)
 * @l1d_flush:   the host ran code that may have left data in L1D since the
 *               last entry (an exit to userspace, a page fault, a move to
 *               another CPU): backends with kvmx_x86_ops.l1d_flush (VMX)
 *               flush L1D before the next (vmentry_l1d_flush=cond).  Set
 *               and cleared by the vCPU's own thread only
 * @apic:        the in-kernel local APIC (x86/irqchip/lapic.c), NULL without an
 *               in-kernel irqchip; set at creation, freed with the vCPU
 * @mmu:         the VM's paging implementation (kvmx_mmu.ops), fixed when
 *               the vCPU is created (kvmx_mmu_vcpu_init())
 * @shadow:      shadow-paging context (mmu/shadow.c), NULL when the VM
 *               uses TDP; set at creation, freed with the vCPU
 * @shadow_hw:   with shadow paging, the CR0/CR3/CR4/EFER of this entry, from
 *               kvmx_mmu_load_root() (the run op loads them)
 * @mce:         machine-check registers (x86/mce.c)
 * @pv:          the paravirtual interface's state (x86/pv.c, kvmx_pv.h,
 *               which names the fields other vCPUs touch)
 * All fields are protected by vcpu->mutex.
 */
struct kvmx_x86_vcpu {
	struct kvmx_vcpu *vcpu;
	u64 regs[KVMX_NR_GPRS];
	u64 rip;
	struct kvm_cpuid_entry2 *cpuid;
	int nr_cpuid;
	u64 cr4_guest_rsvd;
	enum kvmx_emul_vendor emul_vendor;
	u64 efer;
	u64 apic_base;
	u64 pat;
	s64 tsc_offset;
	s64 tsc_adjust;
	u64 db[4];
	u64 dr6;
	u64 dr7;
	bool dr_passthrough;
	u32 guest_debug;
	u64 guest_debug_dr[8];
	u64 xcr0;
	u64 misc_enable;
	u64 platform_info;
	u32 tsc_khz;
	u64 power_ctl;
	u64 system_time;
	u32 kvmclock_version;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];
	u32 mp_state;
	struct fpu_guest guest_fpu;
	enum kvmx_pending_io pending_io;
	struct kvmx_pio pio;
	u64 mmio_gpa;
	u32 mmio_len;
	bool mmio_write;
	bool mmio_ready;
	u8 mmio_data[8];
	struct kvmx_mmio_part mmio_prev, mmio_next;
	struct kvmx_emul_ctxt emul;
	struct kvmx_emul_read_cache emul_reads;
	bool emul_retry;
	struct {
		bool pending;
		bool has_error;
		u8 vector;
		u32 error_code;
	} exception;
	struct {
		bool injected;
		u8 nr;
	} interrupt;
	u8 nmi_pending;
	bool nmi_injected;
	struct {
		bool pending;
		u8 vector;
	} soft_event;
	bool triple_fault;
	bool ran;
	bool l1d_flush;
	struct kvmx_lapic *apic;
	const struct kvmx_mmu_ops *mmu;
	struct kvmx_shadow_vcpu *shadow;
	struct kvmx_shadow_hw shadow_hw;
	struct kvmx_mce mce;
	struct kvmx_pv pv;
};

/**
 * struct kvmx_x86_vm - vendor-neutral x86 VM state
 * @vm:                the core VM (constant)
 * @platform_info_readable: KVM_CAP_MSR_PLATFORM_INFO (default on): the
 *                     guest may read MSR_PLATFORM_INFO; read locklessly
 * @clock_offset:      VM clock minus its raw value (x86/clock.c)
 * @master_tsc, @master_ns: host TSC and boot time when the VM was created:
 *                     the VM clock's origin (constant)
 * @tsc_mul, @tsc_shift: TSC cycles to ns, as pvclock scales them (constant)
 * @wall_clock:        MSR_KVM_WALL_CLOCK(_NEW) as last written
 * @msr_filter:        KVM_X86_SET_MSR_FILTER's filter (NULL: none); written
 *                     under kvmx_vm.lock, read under RCU (x86/msr_filter.c)
 * @user_msr_exits:    KVM_MSR_EXIT_REASON_* enabled by
 *                     KVM_CAP_X86_USER_SPACE_MSR; read locklessly
 * @tss_addr:          from KVM_SET_TSS_ADDR (recorded; VMX real mode uses it)
 * @identity_map_addr: from KVM_SET_IDENTITY_MAP_ADDR (@identity_map_set)
 * @mmu:               the VM's MMU: its lock, invalidation sequence, TLB
 *                     flush and paging implementation (kvmx_mmu.h)
 * @irqchip:           in-kernel interrupt controllers and eventfds
 *                     (x86/irqchip/irqchip.c), allocated with the VM
 * @disabled_quirks:   KVM_X86_QUIRK_* turned off by KVM_CAP_DISABLE_QUIRKS(2)
 *                     (x86/quirks.c); read locklessly (kvmx_quirk())
 * @triple_fault_event: KVM_CAP_X86_TRIPLE_FAULT_EVENT: KVM_GET/SET_VCPU_EVENTS
 *                     carry triple_fault; read locklessly
 * @nr_mmu_pages:      KVM_SET_NR_MMU_PAGES's limit, 0 until set (slots_lock
 *                     to write; shadow paging reads it locklessly)
 */
struct kvmx_x86_vm {
	struct kvmx_vm *vm;
	bool platform_info_readable;
	atomic64_t clock_offset;
	u64 master_tsc;
	u64 master_ns;
	u32 tsc_mul;
	s8 tsc_shift;
	u64 wall_clock;
	struct kvmx_msr_filter __rcu *msr_filter;
	u64 user_msr_exits;
	u64 tss_addr;
	u64 identity_map_addr;
	bool identity_map_set;
	struct kvmx_mmu mmu;
	struct kvmx_irqchip *irqchip;
	u64 disabled_quirks;
	bool triple_fault_event;
	unsigned long nr_mmu_pages;
};

static inline struct kvmx_x86_vcpu *to_x86(struct kvmx_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct kvmx_x86_vm *to_x86_vm(struct kvmx_vm *vm)
{
	return vm->arch;
}

/* The exit being handled is of @kind after all (kvmx_stats.h). */
static inline void kvmx_stat_set_kind(struct kvmx_x86_vcpu *xv,
				      enum kvmx_exit_kind kind)
{
	xv->vcpu->stat.exit_kind = kind;
}

/*
 * Is @quirk (a KVM_X86_QUIRK_* bit) in force in @vm?  All are, until
 * KVM_CAP_DISABLE_QUIRKS(2) turns them off (x86/quirks.c).
 */
static inline bool kvmx_quirk(struct kvmx_vm *vm, u64 quirk)
{
	return !(READ_ONCE(to_x86_vm(vm)->disabled_quirks) & quirk);
}

static inline struct kvmx_mmu *kvmx_vm_mmu(struct kvmx_vm *vm)
{
	return &to_x86_vm(vm)->mmu;
}

/*
 * The MMU's per-exit and per-entry operations.  With retpolines an
 * indirect call costs about 15 guest-measured cycles per exit in the
 * paging benchmark, so the two implementations are called directly (as
 * kvm calls its TDP fault handler); the ops table serves any other.
 */
static inline int kvmx_mmu_page_fault(struct kvmx_x86_vcpu *xv, u64 addr,
				      u32 error_code)
{
	if (xv->mmu == &kvmx_tdp_mmu_ops)
		return kvmx_tdp_page_fault(xv, addr, error_code);
	if (xv->mmu == &kvmx_shadow_mmu_ops)
		return kvmx_shadow_page_fault(xv, addr, error_code);
	return xv->mmu->page_fault(xv, addr, error_code);
}

/*
 * A shadow-paged vCPU is told by its shadow state, which the entry
 * sequence tests just before (kvmx_entry_load_shadow()).
 */
static inline int kvmx_mmu_load_root(struct kvmx_x86_vcpu *xv,
				     struct kvmx_shadow_hw *hw)
{
	if (xv->shadow)
		return kvmx_shadow_load_root(xv, hw);
	return xv->mmu->load_root ? xv->mmu->load_root(xv, hw) : 0;
}

extern const struct kvmx_x86_ops *kvmx_x86;
extern const struct kvmx_x86_ops kvmx_svm_ops;
extern const struct kvmx_x86_ops kvmx_vmx_ops;

/* x86/entry.c: the KVM_RUN loop, the entry sequence and vCPU requests */
void kvmx_make_all_vcpus_request(struct kvmx_vm *vm, enum kvmx_request req);
void kvmx_entry_vcpu_destroy(struct kvmx_x86_vcpu *xv);
void kvmx_entry_hw_enable_cpu(void);

/* x86/cpuid.c */
const struct kvm_cpuid_entry2 *kvmx_find_cpuid(struct kvmx_x86_vcpu *xv,
					       u32 function, u32 index);
long kvmx_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);
long kvmx_set_cpuid2(struct kvmx_x86_vcpu *xv, struct kvm_cpuid2 __user *u);
long kvmx_get_cpuid2(struct kvmx_x86_vcpu *xv, struct kvm_cpuid2 __user *u);
void kvmx_cpuid(struct kvmx_x86_vcpu *xv, u32 *eax, u32 *ebx, u32 *ecx,
		u32 *edx);
u64 kvmx_supported_xcr0(void);
bool kvmx_guest_has_tsc_adjust(struct kvmx_x86_vcpu *xv);
int kvmx_check_xcr0(struct kvmx_x86_vcpu *xv, u64 xcr0);
bool kvmx_vcpu_cr4_valid(struct kvmx_x86_vcpu *xv, u64 cr4);

/*
 * mmu/shadow_cr.c: guest control-register writes, checked as kvm checks
 * them (0, or 1 for #GP(0)), and the exit handler that decodes MOV CR,
 * CLTS, LMSW and SMSW at RIP (shadow paging's CR exits, SVM's CR0 and CR4
 * write intercepts).  kvmx_check_cr4() holds the CR4 rules both vendors
 * share (reserved bits from the guest's CPUID, PAE, LA57 and PCIDE).
 */
int kvmx_write_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val);
int kvmx_cr_access(struct kvmx_x86_vcpu *xv);
int kvmx_check_cr4(struct kvmx_x86_vcpu *xv, u64 old, u64 val);

/* CR0 after LMSW of @msw: it loads PE, MP, EM and TS, and cannot clear PE. */
static inline u64 kvmx_lmsw_cr0(u64 cr0, u16 msw)
{
	return (cr0 & ~0xeULL) | (msw & 0xf);
}

/* x86/quirks.c: KVM_CAP_DISABLE_QUIRKS(2) and the behaviours they switch */
u64 kvmx_quirks_supported(void);
long kvmx_disable_quirks(struct kvmx_vm *vm, const struct kvm_enable_cap *cap);
int kvmx_handle_monitor_mwait(struct kvmx_x86_vcpu *xv);
int kvmx_handle_ud(struct kvmx_x86_vcpu *xv);
int kvmx_quirk_misc_enable(struct kvmx_x86_vcpu *xv, u64 data);
void kvmx_quirk_cpuid_leaf1(struct kvmx_x86_vcpu *xv,
			    struct kvm_cpuid_entry2 *e);
bool kvmx_quirk_out_7e(struct kvmx_x86_vcpu *xv, u16 port);

/* x86/msr.c */
long kvmx_get_msr_index_list(struct kvm_msr_list __user *u, bool features);
int kvmx_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data, bool host);
int kvmx_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data, bool host);
long kvmx_msrs_ioctl(struct kvmx_x86_vcpu *xv, struct kvm_msrs __user *u,
		     bool set);
long kvmx_get_msr_feature(struct kvm_msrs __user *u);

/* x86/mce.c */
u64 kvmx_mce_cap_supported(void);
void kvmx_mce_vcpu_init(struct kvmx_x86_vcpu *xv);
long kvmx_mce_vcpu_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			 void __user *argp);
int kvmx_mce_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data, bool host);
int kvmx_mce_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data, bool host);

/* x86/regs.c */
void kvmx_vcpu_reset(struct kvmx_x86_vcpu *xv);
bool kvmx_apic_base_valid(struct kvmx_x86_vcpu *xv, u64 data, bool host);
void kvmx_get_regs(struct kvmx_x86_vcpu *xv, struct kvm_regs *out);
void kvmx_set_regs(struct kvmx_x86_vcpu *xv, const struct kvm_regs *r);
void kvmx_get_sregs(struct kvmx_x86_vcpu *xv, struct kvm_sregs *out);
int kvmx_set_sregs(struct kvmx_x86_vcpu *xv, const struct kvm_sregs *s);
long kvmx_regs_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
		     void __user *argp);

/* x86/exits.c: handlers shared by both vendors (same return contract). */
int kvmx_handle_hlt(struct kvmx_x86_vcpu *xv);
int kvmx_handle_cpuid(struct kvmx_x86_vcpu *xv);
int kvmx_handle_rdmsr(struct kvmx_x86_vcpu *xv);
int kvmx_handle_wrmsr(struct kvmx_x86_vcpu *xv);
int kvmx_handle_hypercall(struct kvmx_x86_vcpu *xv);
int kvmx_handle_xsetbv(struct kvmx_x86_vcpu *xv);
int kvmx_handle_shutdown(struct kvmx_x86_vcpu *xv);
/* msr_filter.c: MSR filter and MSR exits to userspace */
bool kvmx_msr_filter_offered(void);
long kvmx_msr_enable_user_exits(struct kvmx_vm *vm, u64 reasons);
bool kvmx_msr_allowed(struct kvmx_x86_vcpu *xv, u32 index, bool write);
long kvmx_set_msr_filter(struct kvmx_vm *vm, struct kvm_msr_filter __user *u);
void kvmx_msr_filter_destroy(struct kvmx_vm *vm);
bool kvmx_msr_user_exit(struct kvmx_x86_vcpu *xv, u32 index, u64 data,
			bool write, int r);
int kvmx_complete_msr(struct kvmx_x86_vcpu *xv, bool write);

/* clock.c: TSC rate, VM clock, kvmclock */
long kvmx_clock_check_extension(long ext);
void kvmx_clock_vm_init(struct kvmx_vm *vm);
void kvmx_kvmclock_update(struct kvmx_x86_vcpu *xv);
int kvmx_kvmclock_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data);
int kvmx_kvmclock_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data,
			  bool host);
long kvmx_set_tsc_khz(struct kvmx_x86_vcpu *xv, unsigned long khz);
long kvmx_get_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u);
long kvmx_set_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u);
long kvmx_vcpu_device_attr(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			   struct kvm_device_attr __user *u);

/* debug.c: debug registers, guest debugging, single-step traps */
int kvmx_handle_dr_access(struct kvmx_x86_vcpu *xv, int dr, bool write);
long kvmx_get_debugregs(struct kvmx_x86_vcpu *xv, struct kvm_debugregs __user *u);
long kvmx_set_debugregs(struct kvmx_x86_vcpu *xv, struct kvm_debugregs __user *u);
long kvmx_set_guest_debug(struct kvmx_x86_vcpu *xv,
			  struct kvm_guest_debug __user *u);
u64 kvmx_dr7_for_entry(struct kvmx_x86_vcpu *xv);
u64 kvmx_dr6_for_entry(struct kvmx_x86_vcpu *xv);
void kvmx_load_guest_debug(struct kvmx_x86_vcpu *xv, bool enter);
int kvmx_debug_exit(struct kvmx_x86_vcpu *xv, u8 vector, u64 dr6);
int kvmx_handle_db(struct kvmx_x86_vcpu *xv, u64 dr6);
int kvmx_skip_insn(struct kvmx_x86_vcpu *xv);
u64 kvmx_get_rflags_user(struct kvmx_x86_vcpu *xv);
void kvmx_set_rflags_user(struct kvmx_x86_vcpu *xv, u64 rflags);
int kvmx_internal_error(struct kvmx_x86_vcpu *xv, u32 suberror);

/* x86/irq.c */
void kvmx_inject_pending_event(struct kvmx_x86_vcpu *xv);
void kvmx_requeue_event(struct kvmx_x86_vcpu *xv, enum kvmx_event_type type,
			u8 vector, bool has_error, u32 error_code);
bool kvmx_irq_window_exit(struct kvmx_x86_vcpu *xv);
void kvmx_post_run_save(struct kvmx_x86_vcpu *xv);
long kvmx_interrupt_ioctl(struct kvmx_x86_vcpu *xv,
			  struct kvm_interrupt __user *u);
long kvmx_nmi_ioctl(struct kvmx_x86_vcpu *xv);
void kvmx_get_events(struct kvmx_x86_vcpu *xv, struct kvm_vcpu_events *out);
int kvmx_set_events(struct kvmx_x86_vcpu *xv, const struct kvm_vcpu_events *ev);
long kvmx_get_vcpu_events(struct kvmx_x86_vcpu *xv,
			  struct kvm_vcpu_events __user *u);
long kvmx_set_vcpu_events(struct kvmx_x86_vcpu *xv,
			  struct kvm_vcpu_events __user *u);

/* x86/emulate/pio.c */
int kvmx_handle_io(struct kvmx_x86_vcpu *xv, const struct kvmx_pio *pio);
int kvmx_complete_pio_in(struct kvmx_x86_vcpu *xv);
int kvmx_complete_pio_string(struct kvmx_x86_vcpu *xv);

/* x86/emulate/mmio.c */
struct kvmx_walker;
struct kvmx_walk_ops;
/*
 * The guest's page walks (guest memory through the memslots, A/D bits set
 * with a compare-and-exchange): the ops, and a walker set up from the
 * vCPU's CR0/CR3/CR4/EFER (PAE PDPTEs read from the PDPT); 0 or -EINVAL.
 */
extern const struct kvmx_walk_ops kvmx_vcpu_walk_ops;
int kvmx_vcpu_walker(struct kvmx_x86_vcpu *xv, struct kvmx_walker *w);
int kvmx_translate_data(struct kvmx_x86_vcpu *xv, u64 la, bool write, u64 *gpa);
int kvmx_handle_mmio(struct kvmx_x86_vcpu *xv, u64 gpa);
/*
 * Emulate the instruction at RIP, whose write to guest RAM the hypervisor
 * must see (shadow paging's protected tables): kvmx_handle_mmio()'s
 * contract, or -EOPNOTSUPP (nothing done) where the emulator cannot.
 */
int kvmx_emulate_write(struct kvmx_x86_vcpu *xv);
int kvmx_complete_mmio(struct kvmx_x86_vcpu *xv);
int kvmx_complete_mmio_next(struct kvmx_x86_vcpu *xv);
unsigned int kvmx_next_insn_len(struct kvmx_x86_vcpu *xv, unsigned int plain);
int kvmx_decode_at_rip(struct kvmx_x86_vcpu *xv, struct kvmx_insn *insn);
/* Whose vendor-specific behaviour the emulation gives this guest. */
enum kvmx_emul_vendor kvmx_emul_vendor(struct kvmx_x86_vcpu *xv);
long kvmx_translate_ioctl(struct kvmx_x86_vcpu *xv,
			  struct kvm_translation __user *u);
void kvmx_queue_exception(struct kvmx_x86_vcpu *xv, u8 vector,
			  bool has_error, u32 error_code);
int kvmx_complete_userspace_io(struct kvmx_x86_vcpu *xv);
void kvmx_load_guest_xcr0(struct kvmx_x86_vcpu *xv, bool guest);

/* Host XCR0, read once at load. */
extern u64 kvmx_host_xcr0;

#endif
