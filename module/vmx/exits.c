// SPDX-License-Identifier: GPL-2.0
/*
 * VMX exit handling: decoding exit qualifications into calls to the shared
 * x86 handlers, the exits only VMX has (control and debug register
 * accesses), failed entries and the VMCS dump that goes with them.
 *
 * Handlers run after the exit with preemption enabled and work on the
 * guest-state cache (struct vmx_guest), never on the VMCS.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/ratelimit.h>
#include <linux/tracepoint-defs.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/traps.h>

#include "vmx.h"

int vmx_skip_insn(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	/*
	 * The length is valid for every exit that calls this (SDM, "VM-Exit
	 * Instruction Length"); zero would mean a decoding bug here.
	 */
	if (!vmx->exit.insn_len)
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	xv->rip += vmx->exit.insn_len;
	/* Skipping an instruction ends an STI or MOV SS interrupt shadow. */
	if (vmx->guest.intr_state & (VMX_INTR_BLOCK_STI | VMX_INTR_BLOCK_MOV_SS)) {
		vmx->guest.intr_state &= ~(VMX_INTR_BLOCK_STI |
					   VMX_INTR_BLOCK_MOV_SS);
		vmx->guest.dirty = true;
	}
	/*
	 * A single-step trap of the skipped instruction is raised in software
	 * (kvmx_skip_insn()); none may stay pending in the VMCS, where Bochs
	 * leaves one after the exit and would deliver it again on entry.
	 */
	if (vmx->guest.rflags & X86_EFLAGS_TF)
		vmx->clear_pending_step = true;
	return KVMX_EXIT_RESUME;
}

static int inject(struct kvmx_vmx_vcpu *vmx, u8 vector)
{
	bool has_error = vector == X86_TRAP_GP;

	kvmx_queue_exception(&vmx->x86, vector, has_error, 0);
	return KVMX_EXIT_RESUME;
}

/* 64-bit code uses whole registers; other modes their low 32 bits. */
static u64 gpr_value(struct kvmx_vmx_vcpu *vmx, unsigned int gpr)
{
	u64 val = vmx->x86.regs[gpr];

	if (!(vmx->guest.efer & EFER_LMA) ||
	    !(vmx->guest.seg[KVMX_SREG_CS].ar & BIT(13)))
		val = (u32)val;
	return val;
}

/*
 * MOV to CR0 / LMSW / CLTS: checks, then long-mode activation (SDM,
 * "Initializing IA-32e Mode").  0, or 1 if the write must #GP.
 */
static int set_guest_cr0(struct kvmx_vmx_vcpu *vmx, u64 val)
{
	struct vmx_guest *g = &vmx->guest;
	u64 old = g->cr0;
	bool cs_l = g->seg[KVMX_SREG_CS].ar & BIT(13);

	if (val >> 32)
		return 1;
	val |= X86_CR0_ET;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return 1;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return 1;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) &&
	    (g->efer & EFER_LME)) {
		if (!(g->cr4 & X86_CR4_PAE) || cs_l)
			return 1;
		g->efer |= EFER_LMA;
	} else if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) &&
		   (g->efer & EFER_LMA)) {
		if (cs_l)	/* paging cannot be turned off in 64-bit code */
			return 1;
		g->efer &= ~EFER_LMA;
	}
	vmx->x86.efer = g->efer;
	kvmx_vmx_ops.set_cr(&vmx->x86, 0, val);
	return 0;
}

static int set_guest_cr4(struct kvmx_vmx_vcpu *vmx, u64 val)
{
	/* Bits the CPU lacks in VMX operation, and VMX itself, are reserved. */
	if ((val & ~vmx_cfg.cr4_fixed1) || (val & X86_CR4_VMXE))
		return 1;
	/* Then the rules of both vendors (the guest's CPUID, PAE, LA57, PCIDE). */
	if (kvmx_check_cr4(&vmx->x86, vmx->guest.cr4, val))
		return 1;
	kvmx_vmx_ops.set_cr(&vmx->x86, 4, val);
	return 0;
}

/*
 * MOV to CR0, CR3 or CR4, CLTS, LMSW: 0, or 1 if the write must #GP.  With
 * shadow paging the three are mmu/shadow.c's, whose checks are the
 * architectural ones; VMX adds the CR4 bits it cannot run with.
 */
static int write_cr(struct kvmx_vmx_vcpu *vmx, unsigned int cr, u64 val)
{
	if (vmx->x86.shadow) {
		if (cr == 4 && ((val & ~vmx_cfg.cr4_fixed1) || (val & X86_CR4_VMXE)))
			return 1;
		return kvmx_write_cr(&vmx->x86, cr, val);
	}
	switch (cr) {
	case 0:
		return set_guest_cr0(vmx, val);
	case 3:
		kvmx_vmx_ops.set_cr(&vmx->x86, 3, val);
		return 0;
	default:
		return set_guest_cr4(vmx, val);
	}
}

static int handle_cr(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u64 q = vmx->exit.qual, val, cr0 = kvmx_vmx_ops.get_cr(xv, 0);
	unsigned int cr = VMX_CR_QUAL_CR(q), gpr = VMX_CR_QUAL_GPR(q);
	int bad = 0;

	switch (VMX_CR_QUAL_TYPE(q)) {
	case VMX_CR_TYPE_MOV_TO:
		val = gpr_value(vmx, gpr);
		if (cr == 0 || cr == 3 || cr == 4)
			bad = write_cr(vmx, cr, val);
		else if (cr == 8 && val <= 15)
			vmx->guest.cr8 = val;
		else
			bad = 1;
		break;
	case VMX_CR_TYPE_MOV_FROM:
		if (cr == 3)
			xv->regs[gpr] = kvmx_vmx_ops.get_cr(xv, 3);
		else if (cr == 8)
			xv->regs[gpr] = vmx->guest.cr8;
		else
			bad = 1;
		break;
	case VMX_CR_TYPE_CLTS:
		bad = write_cr(vmx, 0, cr0 & ~(u64)X86_CR0_TS);
		break;
	case VMX_CR_TYPE_LMSW:
		bad = write_cr(vmx, 0,
			       kvmx_lmsw_cr0(cr0, VMX_CR_QUAL_LMSW_DATA(q)));
		break;
	}
	if (bad)
		return inject(vmx, X86_TRAP_GP);
	return kvmx_skip_insn(xv);
}

/*
 * MOV DR.  Unless userspace debugs the guest, the first access hands the
 * guest its debug registers until the next exit (module/x86/debug.c): MOV
 * DR exiting goes off for the next entry and the MOV runs again, in
 * hardware, as do the accesses after it.  Otherwise it is emulated.
 */
static int handle_dr(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u64 q = vmx->exit.qual;

	if (!xv->guest_debug) {
		xv->dr_passthrough = true;
		return KVMX_EXIT_RESUME;
	}
	return kvmx_handle_dr_access(xv, VMX_DR_QUAL_DR(q),
				     !(q & VMX_DR_QUAL_FROM));
}

static int handle_exception_nmi(struct kvmx_vmx_vcpu *vmx)
{
	u32 info = vmx->exit.intr_info;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	/* An NMI already went to the host (vmx_handle_nmi_irqoff()). */
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return KVMX_EXIT_RESUME;
	/*
	 * Shadow paging: the qualification is the linear address.  Like an
	 * EPT violation, the fault brings host data (the guest's tables, the
	 * page) into L1D: flush it before the next entry.
	 */
	if (vector == X86_TRAP_PF && vmx->x86.shadow) {
		vmx->x86.l1d_flush = true;
		return kvmx_mmu_page_fault(&vmx->x86, vmx->exit.qual,
					   vmx->exit.intr_error);
	}
	if (vector != X86_TRAP_DB && vmx_rmode(vmx))
		return vmx_rmode_exception(vmx);
	/* TODO: real mode reflects #UD without the hypercall fix-up. */
	if (vector == X86_TRAP_UD)
		return kvmx_handle_ud(&vmx->x86);
	/*
	 * A #DB exit leaves DR6 alone; the qualification holds the bits the
	 * exception would have set (B0-B3, BD, BS).
	 */
	if (vector == X86_TRAP_DB)
		return kvmx_handle_db(&vmx->x86, DR6_RESERVED |
				      (vmx->exit.qual & VMX_DB_QUAL_DR6_BITS));
	/* Intercepted only while userspace plants software breakpoints. */
	if (vector == X86_TRAP_BP)
		return kvmx_debug_exit(&vmx->x86, X86_TRAP_BP, vmx->x86.dr6);
	kvmx_queue_exception(&vmx->x86, vector,
			     info & INTR_INFO_DELIVER_CODE_MASK,
			     vmx->exit.intr_error);
	return KVMX_EXIT_RESUME;
}

/*
 * An NMI that arrived in the guest exited with NMI exiting and is not
 * delivered to the host by the processor: raise it again, on this CPU and
 * before interrupts are enabled, so the host's handler sees it.
 */
void vmx_handle_nmi_irqoff(struct kvmx_vmx_vcpu *vmx)
{
	u32 info = vmx->exit.intr_info;

	if ((u16)vmx->exit.reason == EXIT_REASON_EXCEPTION_NMI &&
	    (info & INTR_INFO_VALID_MASK) &&
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		apic->send_IPI(smp_processor_id(), NMI_VECTOR);
}

static int handle_intr(struct kvmx_vmx_vcpu *vmx)
{
	/*
	 * The host takes the interrupt once it enables IRQs again; its
	 * handler may bring host data into L1D.
	 */
	vmx->x86.l1d_flush = true;
	return KVMX_EXIT_RESUME;
}

static int handle_io(struct kvmx_vmx_vcpu *vmx)
{
	const struct vmx_guest *g = &vmx->guest;
	u64 q = vmx->exit.qual;
	u32 info = vmx->exit.insn_info;
	struct kvmx_pio pio = {
		.port = VMX_IO_QUAL_PORT(q),
		.size = VMX_IO_QUAL_SIZE(q),
		.in = q & VMX_IO_QUAL_IN,
		.string = q & VMX_IO_QUAL_STRING,
		.rep = q & VMX_IO_QUAL_REP,
		.seg = KVMX_SREG_DS,
	};

	if (pio.string && vmx_cfg.ins_outs_info) {
		/* "VM-Exit Instruction-Information Field" for INS/OUTS. */
		pio.addr_bytes = 2 << VMX_INSN_INFO_ADDR_SIZE(info);
		pio.seg = VMX_INSN_INFO_SEG(info);
	} else if ((g->efer & EFER_LMA) &&
		   (g->seg[KVMX_SREG_CS].ar & BIT(13))) {
		pio.addr_bytes = 8;
	} else {
		pio.addr_bytes = g->seg[KVMX_SREG_CS].ar & BIT(14) ? 4 : 2;
	}
	if (pio.in)	/* INS always stores through ES */
		pio.seg = KVMX_SREG_ES;
	return kvmx_handle_io(&vmx->x86, &pio);
}

static int handle_ept_violation(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u64 gpa = vmx->exit.gpa;

	vmx->x86.l1d_flush = true;
	kvmx_trace_page_fault(xv, gpa, vmx->exit.qual);
	return kvmx_mmu_page_fault(xv, gpa,
				   vmx->exit.qual & VMX_EPT_QUAL_WRITE ?
				   KVMX_PFERR_WRITE : 0);
}

static int handle_ept_misconfig(struct kvmx_vmx_vcpu *vmx)
{
	/* kvmx never writes a misconfigured entry: a bug, not the guest's. */
	WARN_ONCE(1, "EPT misconfiguration at gpa 0x%llx\n", vmx->exit.gpa);
	kvmx_vm_mark_dead(vmx->x86.vcpu->vm, "EPT misconfiguration");
	return kvmx_internal_error(&vmx->x86,
				   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

static int handle_invlpg(struct kvmx_vmx_vcpu *vmx)
{
	/* The exit qualification is INVLPG's linear address. */
	if (vmx->x86.shadow)
		return kvmx_shadow_invlpg_at(&vmx->x86, vmx->exit.qual);
	/* Only if the CPU forces INVLPG exiting: drop this VPID's entries. */
	kvmx_make_request(KVMX_REQ_TLB_FLUSH_GUEST, vmx->x86.vcpu);
	return kvmx_skip_insn(&vmx->x86);
}

/* The window opened: the run loop injects (or exits to userspace). */
static int handle_window(struct kvmx_vmx_vcpu *vmx)
{
	return KVMX_EXIT_RESUME;
}

static int handle_triple_fault(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_shutdown(&vmx->x86);
}

static int handle_resume(struct kvmx_vmx_vcpu *vmx)
{
	return KVMX_EXIT_RESUME;
}

static int handle_nop(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_skip_insn(&vmx->x86);
}

/*
 * The guest spins in a PAUSE loop (PAUSE-loop exiting): step over the PAUSE
 * and go round the run loop, which enables interrupts and reschedules when
 * the host wants this CPU, e.g. for the vCPU the guest is waiting for.
 */
static int handle_pause(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_skip_insn(&vmx->x86);
}

/*
 * A task switch through a task gate, a TSS descriptor or IRET with NT: kvm
 * emulates it; kvmx has no task-switch emulation and reports it as kvm
 * reports an instruction its emulator cannot handle.
 */
static int handle_task_switch(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_internal_error(&vmx->x86, KVM_INTERNAL_ERROR_EMULATION);
}

static int handle_ud(struct kvmx_vmx_vcpu *vmx)
{
	return inject(vmx, X86_TRAP_UD);
}

static int handle_monitor_mwait(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_monitor_mwait(&vmx->x86);
}

static int handle_gp(struct kvmx_vmx_vcpu *vmx)
{
	return inject(vmx, X86_TRAP_GP);
}

static int handle_cpuid(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_cpuid(&vmx->x86);
}

static int handle_hlt(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_hlt(&vmx->x86);
}

static int handle_vmcall(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_hypercall(&vmx->x86);
}

static int handle_rdmsr(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_rdmsr(&vmx->x86);
}

static int handle_wrmsr(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_wrmsr(&vmx->x86);
}

static int handle_xsetbv(struct kvmx_vmx_vcpu *vmx)
{
	return kvmx_handle_xsetbv(&vmx->x86);
}

/*
 * Exit handlers by basic exit reason.  Return contract: KVMX_EXIT_RESUME,
 * KVMX_EXIT_USER or -errno (kvmx_x86.h).
 */
static int (*const vmx_exit_handlers[])(struct kvmx_vmx_vcpu *vmx) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_intr,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL]		= handle_resume,
	[EXIT_REASON_SIPI_SIGNAL]		= handle_resume,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_window,
	[EXIT_REASON_TASK_SWITCH]		= handle_task_switch,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[VMX_EXIT_GETSEC]			= handle_ud,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INVD]			= handle_nop,
	[EXIT_REASON_INVLPG]			= handle_invlpg,
	[EXIT_REASON_RDPMC]			= handle_gp,
	[VMX_EXIT_RSM]				= handle_ud,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR]			= handle_ud,
	[EXIT_REASON_VMLAUNCH]			= handle_ud,
	[EXIT_REASON_VMPTRLD]			= handle_ud,
	[EXIT_REASON_VMPTRST]			= handle_ud,
	[EXIT_REASON_VMREAD]			= handle_ud,
	[EXIT_REASON_VMRESUME]			= handle_ud,
	[EXIT_REASON_VMWRITE]			= handle_ud,
	[EXIT_REASON_VMOFF]			= handle_ud,
	[EXIT_REASON_VMON]			= handle_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr,
	[EXIT_REASON_DR_ACCESS]			= handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_MSR_READ]			= handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= handle_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_monitor_mwait,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_monitor_mwait,
	[EXIT_REASON_PAUSE_INSTRUCTION]		= handle_pause,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_INVEPT]			= handle_ud,
	[EXIT_REASON_INVVPID]			= handle_ud,
	[EXIT_REASON_WBINVD]			= handle_nop,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
	[EXIT_REASON_VMFUNC]			= handle_ud,
};

/* What a basic exit reason costs, for the statistics. */
static enum kvmx_exit_kind classify_exit(u16 basic)
{
	switch (basic) {
	case EXIT_REASON_IO_INSTRUCTION:	return KVMX_EXIT_IO;
	case EXIT_REASON_HLT:			return KVMX_EXIT_HLT;
	case EXIT_REASON_CPUID:			return KVMX_EXIT_CPUID;
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:		return KVMX_EXIT_MSR;
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:		return KVMX_EXIT_TDP_FAULT;
	case EXIT_REASON_VMCALL:		return KVMX_EXIT_HYPERCALL;
	case EXIT_REASON_EXTERNAL_INTERRUPT:	return KVMX_EXIT_EXT_INTR;
	case EXIT_REASON_EXCEPTION_NMI:		return KVMX_EXIT_EXCEPTION;
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:		return KVMX_EXIT_WINDOW;
	case EXIT_REASON_XSETBV:		return KVMX_EXIT_XSETBV;
	case EXIT_REASON_TRIPLE_FAULT:		return KVMX_EXIT_SHUTDOWN;
	default:				return KVMX_EXIT_OTHER;
	}
}

u8 vmx_exit_kinds[VMX_NR_BASIC_REASONS] __ro_after_init;

/* At load: the table vmx_exit_kind() reads on every exit. */
void vmx_exit_kinds_init(void)
{
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(vmx_exit_handlers) > VMX_NR_BASIC_REASONS);
	for (i = 0; i < VMX_NR_BASIC_REASONS; i++)
		vmx_exit_kinds[i] = classify_exit(i);
}

int vmx_fail_entry(struct kvmx_vmx_vcpu *vmx, u32 reason)
{
	struct kvm_run *run = vmx->x86.vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	run->fail_entry.cpu = READ_ONCE(vmx->cpu);
	return KVMX_EXIT_USER;
}

int vmx_dispatch_exit(struct kvmx_vmx_vcpu *vmx)
{
	struct kvm_run *run = vmx->x86.vcpu->run;
	u32 reason = vmx->exit.reason;
	u16 basic = reason;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return vmx_fail_entry(vmx, reason);
	if (basic < ARRAY_SIZE(vmx_exit_handlers) && vmx_exit_handlers[basic])
		return vmx_exit_handlers[basic](vmx);

	/* Every exit the controls allow has a handler: a host bug. */
	WARN_ONCE(1, "unexpected VMX exit %u, qualification 0x%llx\n",
		  reason, vmx->exit.qual);
	kvmx_vm_mark_dead(vmx->x86.vcpu->vm, "unexpected VMX exit");
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = reason;
	run->internal.data[1] = READ_ONCE(vmx->cpu);
	return KVMX_EXIT_USER;
}

static const char *const seg_names[KVMX_NR_SREGS] = {
	"es", "cs", "ss", "ds", "fs", "gs", "tr", "ldtr",
};

/*
 * After a failed entry, with the VMCS still current: what the SDM's entry
 * checks look at.  Rate-limited as a whole; pr_err, never WARN (a guest or
 * VMM can cause it).
 */
void vmx_dump_vmcs(struct kvmx_vmx_vcpu *vmx)
{
	static DEFINE_RATELIMIT_STATE(rs, 10 * HZ, 1);
	const struct vmx_guest *g = &vmx->guest;
	int i;

	if (!__ratelimit(&rs))
		return;
	pr_err("VM entry failed: exit reason 0x%x, instruction error %u, qualification 0x%llx\n",
	       vmx->exit.reason, vmx->exit.insn_error, vmx->exit.qual);
	pr_err("  controls: pin 0x%llx proc 0x%llx proc2 0x%llx entry 0x%llx exit 0x%llx\n",
	       vmcs_read(PIN_BASED_VM_EXEC_CONTROL),
	       vmcs_read(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read(SECONDARY_VM_EXEC_CONTROL),
	       vmcs_read(VM_ENTRY_CONTROLS), vmcs_read(VM_EXIT_CONTROLS));
	pr_err("  cr0 0x%llx (shadow 0x%llx) cr3 0x%llx cr4 0x%llx (shadow 0x%llx) efer 0x%llx\n",
	       vmcs_read(GUEST_CR0), vmcs_read(CR0_READ_SHADOW),
	       vmcs_read(GUEST_CR3), vmcs_read(GUEST_CR4),
	       vmcs_read(CR4_READ_SHADOW), vmcs_read(GUEST_IA32_EFER));
	pr_err("  rip 0x%llx rsp 0x%llx rflags 0x%llx interruptibility 0x%llx activity 0x%llx\n",
	       vmcs_read(GUEST_RIP), vmcs_read(GUEST_RSP),
	       vmcs_read(GUEST_RFLAGS), vmcs_read(GUEST_INTERRUPTIBILITY_INFO),
	       vmcs_read(GUEST_ACTIVITY_STATE));
	for (i = 0; i < KVMX_NR_SREGS; i++)
		pr_err("  %-4s sel 0x%04x base 0x%llx limit 0x%x ar 0x%x\n",
		       seg_names[i], g->seg[i].selector, g->seg[i].base,
		       g->seg[i].limit, g->seg[i].ar);
	pr_err("  gdtr 0x%llx/0x%x idtr 0x%llx/0x%x entry info 0x%llx\n",
	       g->gdtr.base, g->gdtr.limit, g->idtr.base, g->idtr.limit,
	       vmcs_read(VM_ENTRY_INTR_INFO_FIELD));
	if (vmx_pae_paging(vmx))
		pr_err("  pdptr 0x%llx 0x%llx 0x%llx 0x%llx\n",
		       g->pdptr[0], g->pdptr[1], g->pdptr[2], g->pdptr[3]);
	pr_err("  eptp 0x%llx vpid %u\n", vmcs_read(EPT_POINTER), vmx->vpid);
}
