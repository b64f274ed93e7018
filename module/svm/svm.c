// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD SVM backend: enabling SVM, the VMCB, NPT and ASIDs, and decoding
 * #VMEXIT information into calls to the shared x86 exit handlers.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint-defs.h>
#include <linux/user-return-notifier.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/io.h>
#include <asm/fpu/api.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/traps.h>
#include <uapi/asm/svm.h>

#include "kvmx_entry.h"
#include "svm.h"

/* The CPU's SVM features, read at probe. */
static bool has_nrips;
/* The CPU has IA32_TSC_AUX (RDTSCP or RDPID): kvmx switches it. */
static bool has_tsc_aux;
static u32 nr_asids;
/* All-ones I/O permission map: every port access exits. */
static void *iopm;
static u64 iopm_pa;

/**
 * struct svm_cpu - per-CPU SVM state
 * @hsave:       the VM_HSAVE_PA page VMRUN stores host state in
 * @host_save:   page for the host's VMSAVE state around each run
 * @asid_gen:    bumped when ASIDs run out; every vCPU then takes a new one
 * @next_asid:   next free ASID in this generation
 * @flush_all:   the next VMRUN must flush every ASID's TLB entries
 * @host_tsc_aux: the host's IA32_TSC_AUX (Linux writes its CPU number there
 *               once, at boot), read when SVM is enabled on the CPU
 * @cur_tsc_aux: what IA32_TSC_AUX holds now: a guest's value stays loaded
 *               until the CPU returns to user space (@tsc_aux_urn)
 * @tsc_aux_urn: user-return notifier that puts @host_tsc_aux back
 * @tsc_aux_urn_on: @tsc_aux_urn is registered (from the first VMRUN that
 *               loads a guest's value until the return to user space)
 * Accessed only by the owning CPU with preemption disabled.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u64 asid_gen;
	u32 next_asid;
	bool flush_all;
	u64 host_tsc_aux;
	u64 cur_tsc_aux;
	struct user_return_notifier tsc_aux_urn;
	bool tsc_aux_urn_on;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

/* NPT entries are ordinary long-mode page-table entries (user, writable). */
static const struct kvmx_tdp_format npt_format = {
	.present = _PAGE_PRESENT,
	.table	 = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED,
	.leaf_rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED |
		   _PAGE_DIRTY,
	.leaf_ro = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED,
	.writable = _PAGE_RW,
	.large	 = _PAGE_PSE,
};

/* Read at load (mmu/mmu.c); cleared there when tdp=N. */
static bool npt = true;
module_param(npt, bool, 0444);
MODULE_PARM_DESC(npt,
		 "AMD: use nested paging (as kvm_amd's npt); N: shadow paging");

static void check_svme(void *failed)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		atomic_inc(failed);
}

static int svm_probe(void)
{
	atomic_t busy = ATOMIC_INIT(0);
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_HYGON)
		return -ENODEV;
	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("CPU lacks SVM\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(SVMX_MSR_VM_CR, vm_cr);
	if (vm_cr & SVMX_VM_CR_SVMDIS) {
		pr_err("SVM disabled by firmware (VM_CR.SVMDIS)\n");
		return -EOPNOTSUPP;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVMX_FEAT_NPT)) {
		pr_err("CPU lacks nested paging (NPT)\n");
		return -EOPNOTSUPP;
	}
	has_nrips = edx & SVMX_FEAT_NRIPS;
	has_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
		      boot_cpu_has(X86_FEATURE_RDPID);
	nr_asids = ebx;
	if (nr_asids < 2) {
		pr_err("CPU reports no guest ASIDs\n");
		return -EOPNOTSUPP;
	}
	on_each_cpu(check_svme, &busy, 1);
	if (atomic_read(&busy)) {
		pr_err("SVM is in use by another hypervisor (EFER.SVME set)\n");
		return -EBUSY;
	}
	return 0;
}

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_save)
			__free_page(sc->host_save);
		sc->hsave = NULL;
		sc->host_save = NULL;
	}
	if (iopm)
		free_pages((unsigned long)iopm, SVMX_IOPM_ORDER);
	iopm = NULL;
}

static int svm_hardware_setup(void)
{
	int cpu;

	iopm = (void *)__get_free_pages(GFP_KERNEL, SVMX_IOPM_ORDER);
	if (!iopm)
		return -ENOMEM;
	memset(iopm, 0xff, PAGE_SIZE << SVMX_IOPM_ORDER);
	iopm_pa = __pa(iopm);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpu, cpu);

		sc->hsave = alloc_page(GFP_KERNEL | __GFP_ZERO);
		sc->host_save = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!sc->hsave || !sc->host_save) {
			svm_hardware_unsetup();
			return -ENOMEM;
		}
		sc->asid_gen = 1;
		sc->next_asid = 1;
	}
	pr_info("SVM: NPT, %u ASIDs, NRIP save %s\n", nr_asids,
		has_nrips ? "yes" : "no (decoding instruction lengths)");
	return 0;
}

/*
 * IA32_TSC_AUX is not in the VMCB: the guest's value is loaded before
 * VMRUN and stays until the CPU returns to user space, where the host's
 * comes back (as kvm switches it: a user-return notifier, which Linux
 * carries over to whichever task runs next on the CPU).  Interrupts off.
 */
static void svm_restore_tsc_aux(struct svm_cpu *sc)
{
	if (sc->tsc_aux_urn_on) {
		user_return_notifier_unregister(&sc->tsc_aux_urn);
		sc->tsc_aux_urn_on = false;
	}
	if (sc->cur_tsc_aux != sc->host_tsc_aux) {
		wrmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
		sc->cur_tsc_aux = sc->host_tsc_aux;
	}
}

static void svm_tsc_aux_user_return(struct user_return_notifier *urn)
{
	unsigned long flags;

	local_irq_save(flags);
	svm_restore_tsc_aux(container_of(urn, struct svm_cpu, tsc_aux_urn));
	local_irq_restore(flags);
}

static void svm_load_tsc_aux(struct svm_cpu *sc, u64 val)
{
	if (!has_tsc_aux || val == sc->cur_tsc_aux)
		return;
	if (!sc->tsc_aux_urn_on) {
		sc->tsc_aux_urn.on_user_return = svm_tsc_aux_user_return;
		user_return_notifier_register(&sc->tsc_aux_urn);
		sc->tsc_aux_urn_on = true;
	}
	wrmsrl(MSR_TSC_AUX, val);
	sc->cur_tsc_aux = val;
}

static int svm_hw_enable_cpu(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	if (has_tsc_aux) {
		rdmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
		sc->cur_tsc_aux = sc->host_tsc_aux;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(SVMX_MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	/* TLB entries of an earlier user of the ASIDs must not survive. */
	sc->asid_gen++;
	sc->next_asid = 1;
	sc->flush_all = true;
	return 0;
}

static void svm_hw_disable_cpu(void)
{
	u64 efer;

	if (has_tsc_aux)
		svm_restore_tsc_aux(this_cpu_ptr(&svm_cpu));
	wrmsrl(SVMX_MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/* Set @msr's read and write intercept bits in @msrpm as asked. */
static void msrpm_set(void *msrpm, u32 msr, bool read, bool write)
{
	u32 base, offset;
	u8 *byte, shift;

	if (msr < 0x2000)
		base = 0, offset = msr;
	else if (msr - 0xc0000000 < 0x2000)
		base = 0x800, offset = msr - 0xc0000000;
	else if (msr - 0xc0010000 < 0x2000)
		base = 0x1000, offset = msr - 0xc0010000;
	else
		return;
	/* Two bits per MSR: read, then write. */
	byte = (u8 *)msrpm + base + offset / 4;
	shift = 2 * (offset % 4);
	*byte &= ~(3 << shift);
	*byte |= (read | write << 1) << shift;
}

static void msrpm_allow(void *msrpm, u32 msr)
{
	msrpm_set(msrpm, msr, false, false);
}

/* MSRs whose state lives in the VMCB and is switched by VMLOAD/VMSAVE. */
static const u32 passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* The MSR filter may deny what passthrough_msrs lets through: intercept. */
static void svm_msr_filter_changed(struct kvmx_x86_vcpu *xv)
{
	void *msrpm = to_svm(xv)->msrpm;
	u32 msr;
	int i;

	for (i = 0; i < ARRAY_SIZE(passthrough_msrs); i++) {
		msr = passthrough_msrs[i];
		msrpm_set(msrpm, msr, !kvmx_msr_allowed(xv, msr, false),
			  !kvmx_msr_allowed(xv, msr, true));
	}
}

static struct kvmx_x86_vcpu *svm_vcpu_alloc(void)
{
	struct kvmx_svm_vcpu *svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);

	return svm ? &svm->x86 : NULL;
}

/*
 * Writes of CR0 and CR4 (bit 16 + n: write CRn), always: the CPU checks
 * them against its own features, kvmx against the guest's CPUID (kvm
 * intercepts them too).  Shadow paging adds the reads, and CR3.
 */
#define SVM_CR_WRITE_INTERCEPTS		(0x11 << 16)
#define SVM_SHADOW_CR_INTERCEPTS	(0x19 | 0x19 << 16)

/* Reads and writes of DR0-7. */
#define SVM_DR_INTERCEPTS	0x00ff00ffU

/*
 * Exceptions intercepted: #DB and #AC could otherwise loop in the CPU;
 * #UD for kvm's hypercall fix-up (x86/quirks.c).
 */
#define SVM_EXCEPTION_INTERCEPTS	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | \
					 BIT(X86_TRAP_UD))

static void init_vmcb_control(struct kvmx_svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;

	memset(c, 0, sizeof(*c));
	/* DR0-7 reads and writes exit until the guest may own them. */
	c->intercept_dr = SVM_DR_INTERCEPTS;
	c->intercept_exceptions = SVM_EXCEPTION_INTERCEPTS;
	c->intercept_cr = SVM_CR_WRITE_INTERCEPTS;
	c->intercept3 = BIT(SVMX_INT_INTR) | BIT(SVMX_INT_NMI) |
			BIT(SVMX_INT_SMI) | BIT(SVMX_INT_INIT) |
			BIT(SVMX_INT_CPUID) | BIT(SVMX_INT_INVD) |
			BIT(SVMX_INT_HLT) | BIT(SVMX_INT_INVLPGA) |
			BIT(SVMX_INT_IOIO_PROT) | BIT(SVMX_INT_MSR_PROT) |
			BIT(SVMX_INT_SHUTDOWN);
	c->intercept4 = BIT(SVMX_INT_VMRUN) | BIT(SVMX_INT_VMMCALL) |
			BIT(SVMX_INT_VMLOAD) | BIT(SVMX_INT_VMSAVE) |
			BIT(SVMX_INT_STGI) | BIT(SVMX_INT_CLGI) |
			BIT(SVMX_INT_SKINIT) |
			BIT(SVMX_INT_MONITOR) | BIT(SVMX_INT_MWAIT) |
			BIT(SVMX_INT_MWAIT_COND) | BIT(SVMX_INT_XSETBV);
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = __pa(svm->msrpm);
	c->int_ctl = SVMX_INT_CTL_V_INTR_MASKING;
	c->nested_ctl = SVMX_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = kvmx_mmu_nested_root(kvmx_vm_mmu(svm->x86.vcpu->vm));
	if (svm->x86.shadow) {
		/*
		 * Shadow paging (mmu/shadow.c): the CPU walks kvmx's tables,
		 * so the guest's CR0/CR3/CR4, its #PFs and INVLPG go to kvmx.
		 */
		c->nested_ctl = 0;
		c->intercept_cr = SVM_SHADOW_CR_INTERCEPTS;
		c->intercept_exceptions |= BIT(X86_TRAP_PF);
		c->intercept3 |= BIT(SVMX_INT_INVLPG);
	}
	/* Force a fresh ASID on the first run. */
	svm->asid_gen = 0;
}

static int svm_vcpu_create(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	int i;

	svm->vmcb = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	svm->msrpm = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT,
					      SVMX_MSRPM_ORDER);
	if (!svm->vmcb || !svm->msrpm) {
		free_page((unsigned long)svm->vmcb);
		if (svm->msrpm)
			free_pages((unsigned long)svm->msrpm, SVMX_MSRPM_ORDER);
		return -ENOMEM;
	}
	svm->vmcb_pa = __pa(svm->vmcb);
	memset(svm->msrpm, 0xff, PAGE_SIZE << SVMX_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msrpm_allow(svm->msrpm, passthrough_msrs[i]);
	svm->asid_cpu = -1;
	init_vmcb_control(svm);
	svm->vmcb->save.g_pat = 0x0007040600070406ULL;
	/* DR7's reset value; each entry loads kvmx_dr7_for_entry(). */
	svm->vmcb->save.dr7 = 0x400;
	/* The guest's TSC starts near zero, as with kvm. */
	xv->tsc_offset = -(s64)rdtsc();
	return 0;
}

static void svm_vcpu_free(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);

	free_page((unsigned long)svm->vmcb);
	free_pages((unsigned long)svm->msrpm, SVMX_MSRPM_ORDER);
}

static struct vmcb_seg *vmcb_seg(struct vmcb *vmcb, enum kvmx_sreg seg)
{
	switch (seg) {
	case KVMX_SREG_ES: return &vmcb->save.es;
	case KVMX_SREG_CS: return &vmcb->save.cs;
	case KVMX_SREG_SS: return &vmcb->save.ss;
	case KVMX_SREG_DS: return &vmcb->save.ds;
	case KVMX_SREG_FS: return &vmcb->save.fs;
	case KVMX_SREG_GS: return &vmcb->save.gs;
	case KVMX_SREG_TR: return &vmcb->save.tr;
	default:	  return &vmcb->save.ldtr;
	}
}

/* VMCB segment attributes: type, S, DPL, P in bits 0-7; AVL, L, DB, G in 8-11. */
static u64 svm_get_segment_base(struct kvmx_x86_vcpu *xv, enum kvmx_sreg seg)
{
	return vmcb_seg(to_svm(xv)->vmcb, seg)->base;
}

static void svm_get_segment(struct kvmx_x86_vcpu *xv, struct kvm_segment *var,
			    enum kvmx_sreg seg)
{
	struct vmcb *vmcb = to_svm(xv)->vmcb;
	struct vmcb_seg *s = vmcb_seg(vmcb, seg);
	u16 a = s->attrib;

	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = a & 0xf;
	var->s = (a >> 4) & 1;
	var->dpl = (a >> 5) & 3;
	var->present = (a >> 7) & 1;
	var->avl = (a >> 8) & 1;
	var->l = (a >> 9) & 1;
	var->db = (a >> 10) & 1;
	/* The CPU ignores G; report the one the limit implies. */
	var->g = s->limit > 0xfffff;
	var->unusable = !var->present;
	var->padding = 0;

	switch (seg) {
	case KVMX_SREG_TR:
		var->type |= 2;		/* a loaded TSS is busy */
		break;
	case KVMX_SREG_DS: case KVMX_SREG_ES: case KVMX_SREG_FS: case KVMX_SREG_GS:
		if (!var->unusable)
			var->type |= 1;	/* accessed */
		break;
	case KVMX_SREG_SS:
		/* SS.DPL is the CPL by definition; the VMCB keeps CPL apart. */
		var->dpl = vmcb->save.cpl;
		break;
	default:
		break;
	}
}

static void svm_set_segment(struct kvmx_x86_vcpu *xv,
			    const struct kvm_segment *var, enum kvmx_sreg seg)
{
	struct vmcb *vmcb = to_svm(xv)->vmcb;
	struct vmcb_seg *s = vmcb_seg(vmcb, seg);

	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	if (var->unusable)
		s->attrib = 0;
	else
		s->attrib = (var->type & 0xf) | (var->s & 1) << 4 |
			    (var->dpl & 3) << 5 | (var->present & 1) << 7 |
			    (var->avl & 1) << 8 | (var->l & 1) << 9 |
			    (var->db & 1) << 10 | (var->g & 1) << 11;
	if (seg == KVMX_SREG_SS)
		vmcb->save.cpl = var->dpl & 3;
}

static void svm_get_dtable(struct kvmx_x86_vcpu *xv, struct kvm_dtable *dt,
			   bool idt)
{
	struct vmcb_seg *s = idt ? &to_svm(xv)->vmcb->save.idtr
				 : &to_svm(xv)->vmcb->save.gdtr;

	dt->base = s->base;
	dt->limit = s->limit;
	memset(dt->padding, 0, sizeof(dt->padding));
}

static void svm_set_dtable(struct kvmx_x86_vcpu *xv,
			   const struct kvm_dtable *dt, bool idt)
{
	struct vmcb_seg *s = idt ? &to_svm(xv)->vmcb->save.idtr
				 : &to_svm(xv)->vmcb->save.gdtr;

	s->base = dt->base;
	s->limit = dt->limit;
}

static u64 svm_get_cr(struct kvmx_x86_vcpu *xv, int cr)
{
	struct vmcb *vmcb = to_svm(xv)->vmcb;

	/* With shadow paging the VMCB holds what the hardware runs with. */
	if (xv->shadow && (cr == 0 || cr == 3 || cr == 4))
		return kvmx_shadow_get_cr(xv, cr);
	switch (cr) {
	case 0: return vmcb->save.cr0;
	case 2: return vmcb->save.cr2;
	case 3: return vmcb->save.cr3;
	case 4: return vmcb->save.cr4;
	case 8: return vmcb->control.int_ctl & 0xf;	/* V_TPR */
	default: return 0;
	}
}

static void svm_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val)
{
	struct vmcb *vmcb = to_svm(xv)->vmcb;

	if (xv->shadow && (cr == 0 || cr == 3 || cr == 4)) {
		kvmx_shadow_set_cr(xv, cr, val);	/* loaded at entry */
		return;
	}
	switch (cr) {
	case 0:
		vmcb->save.cr0 = val;
		break;
	case 2:
		vmcb->save.cr2 = val;
		break;
	case 3:
		vmcb->save.cr3 = val;
		break;
	case 4:
		vmcb->save.cr4 = val;
		break;
	case 8:
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~0xfU) |
					(val & 0xf);
		break;
	}
}

static void svm_set_efer(struct kvmx_x86_vcpu *xv, u64 efer)
{
	/* VMRUN requires EFER.SVME in the guest state; the guest never sees it. */
	to_svm(xv)->vmcb->save.efer = efer | EFER_SVME;
	if (xv->shadow)
		kvmx_shadow_efer_changed(xv);	/* loaded at entry */
}

/* The TF that steps the guest over an IRET (svm_enable_window()) is kvmx's. */
static u64 svm_get_rflags(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	u64 rflags = svm->vmcb->save.rflags;

	if (svm->nmi_step && !svm->nmi_step_tf)
		rflags &= ~X86_EFLAGS_TF;
	return rflags;
}

static void svm_set_rflags(struct kvmx_x86_vcpu *xv, u64 rflags)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);

	if (svm->nmi_step) {
		svm->nmi_step_tf = rflags & X86_EFLAGS_TF;
		rflags |= X86_EFLAGS_TF;
	}
	svm->vmcb->save.rflags = rflags;
}

static int svm_get_cpl(struct kvmx_x86_vcpu *xv)
{
	return to_svm(xv)->vmcb->save.cpl;
}

static u64 *svm_msr_field(struct vmcb *vmcb, u32 index)
{
	switch (index) {
	case MSR_FS_BASE:		return &vmcb->save.fs.base;
	case MSR_GS_BASE:		return &vmcb->save.gs.base;
	case MSR_KERNEL_GS_BASE:	return &vmcb->save.kernel_gs_base;
	case MSR_STAR:			return &vmcb->save.star;
	case MSR_LSTAR:			return &vmcb->save.lstar;
	case MSR_CSTAR:			return &vmcb->save.cstar;
	case MSR_SYSCALL_MASK:		return &vmcb->save.sfmask;
	case MSR_IA32_SYSENTER_CS:	return &vmcb->save.sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &vmcb->save.sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &vmcb->save.sysenter_eip;
	case MSR_IA32_CR_PAT:		return &vmcb->save.g_pat;
	default:			return NULL;
	}
}

static int svm_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	u64 *f = svm_msr_field(to_svm(xv)->vmcb, index);

	if (index == MSR_TSC_AUX && has_tsc_aux) {
		*data = to_svm(xv)->tsc_aux;
		return 0;
	}
	if (!f || index == MSR_IA32_CR_PAT)
		return -ENOENT;
	*data = *f;
	return 0;
}

static int svm_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data)
{
	u64 *f = svm_msr_field(to_svm(xv)->vmcb, index);

	/* msr.c checked the guest's CPUID and cut the value to 32 bits. */
	if (index == MSR_TSC_AUX && has_tsc_aux) {
		to_svm(xv)->tsc_aux = data;
		return 0;
	}
	if (!f)
		return -ENOENT;
	/* Base addresses must be canonical (#GP otherwise). */
	if (index != MSR_IA32_CR_PAT && index != MSR_IA32_SYSENTER_CS &&
	    index != MSR_SYSCALL_MASK && index != MSR_STAR &&
	    (s64)(data << 16) >> 16 != (s64)data)
		return 1;
	*f = data;
	return 0;
}

/* Instruction lengths of the intercepted instructions without prefixes. */
static u8 plain_insn_len(u64 exit_code)
{
	switch (exit_code) {
	case SVM_EXIT_HLT:
		return 1;
	case SVM_EXIT_CPUID: case SVM_EXIT_MSR: case SVM_EXIT_INVD:
		return 2;
	case SVM_EXIT_VMMCALL: case SVM_EXIT_XSETBV:
	case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT: case SVM_EXIT_MWAIT_COND:
		return 3;
	default:
		return 0;
	}
}

static int svm_skip_insn(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	struct vmcb *vmcb = svm->vmcb;
	u64 next;

	if (vmcb->control.exit_code == SVM_EXIT_IOIO)
		next = vmcb->control.exit_info_2;	/* always provided */
	else if (has_nrips)
		next = vmcb->control.next_rip;
	else
		next = xv->rip + kvmx_next_insn_len(xv,
						 plain_insn_len(vmcb->control.exit_code));
	if (next == xv->rip)
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	/* Outside 64-bit mode the instruction pointer is 32 bits wide. */
	if (!((xv->efer & EFER_LMA) && (vmcb->save.cs.attrib & BIT(9))))
		next = (u32)next;
	xv->rip = next;
	/* Skipping an instruction ends an STI or MOV SS interrupt shadow. */
	vmcb->control.int_state &= ~1ULL;
	return KVMX_EXIT_RESUME;
}

static const u64 event_types[] = {
	[KVMX_EVENT_EXCEPTION]	= SVMX_EVT_TYPE_EXEPT,
	[KVMX_EVENT_NMI]	= SVMX_EVT_TYPE_NMI,
	[KVMX_EVENT_INTR]	= SVMX_EVT_TYPE_INTR,
};

static void svm_inject_event(struct kvmx_x86_vcpu *xv, enum kvmx_event_type type,
			     u8 vector, bool has_error, u32 error_code)
{
	u64 ev = vector | event_types[type] | SVMX_EVT_VALID;

	kvmx_trace_inject(xv, type, vector, has_error, error_code);
	if (has_error)
		ev |= SVMX_EVT_VALID_ERR | (u64)error_code << 32;
	to_svm(xv)->vmcb->control.event_inj = ev;
}

/* An event cut short by the exit is delivered again on the next entry. */
static void svm_requeue_event(struct kvmx_svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_int_info;
	u8 vector = info & SVMX_EVT_VECTOR_MASK;

	if (!(info & SVMX_EVT_VALID))
		return;
	switch (info & SVMX_EVT_TYPE_MASK) {
	case SVMX_EVT_TYPE_EXEPT:
		kvmx_requeue_event(&svm->x86, KVMX_EVENT_EXCEPTION, vector,
				   info & SVMX_EVT_VALID_ERR, info >> 32);
		break;
	case SVMX_EVT_TYPE_NMI:
		kvmx_requeue_event(&svm->x86, KVMX_EVENT_NMI, vector, false, 0);
		break;
	case SVMX_EVT_TYPE_INTR:
		kvmx_requeue_event(&svm->x86, KVMX_EVENT_INTR, vector, false, 0);
		break;
	default:
		/* Software interrupts re-execute their INT instruction. */
		break;
	}
}

static bool svm_interrupt_allowed(struct kvmx_x86_vcpu *xv)
{
	struct vmcb *vmcb = to_svm(xv)->vmcb;

	return (vmcb->save.rflags & X86_EFLAGS_IF) &&
	       !(vmcb->control.int_state & SVMX_INT_STATE_SHADOW);
}

static bool svm_nmi_allowed(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);

	return !svm->nmi_masked &&
	       !(svm->vmcb->control.int_state & SVMX_INT_STATE_SHADOW);
}

/*
 * An interrupt window is a virtual interrupt (V_IRQ) the guest can take
 * only once it is interruptible, intercepted (VINTR) before delivery.
 * An NMI window opens once the IRET that ends the running NMI handler has
 * run: IRET is intercepted before it executes, so after that intercept
 * the guest is single-stepped over it (RFLAGS.TF, #DB intercepted), as
 * kvm-amd does; the NMI comes at the #DB right after the IRET.
 */
static void svm_enable_window(struct kvmx_x86_vcpu *xv, bool irq, bool nmi)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	struct vmcb_control *c = &svm->vmcb->control;

	c->int_ctl &= ~(SVMX_INT_CTL_V_IRQ | SVMX_INT_CTL_V_INTR_PRIO |
			SVMX_INT_CTL_V_IGN_TPR);
	c->intercept3 &= ~BIT(SVMX_INT_VINTR);
	if (irq) {
		c->int_ctl |= SVMX_INT_CTL_V_IRQ | SVMX_INT_CTL_V_INTR_PRIO |
			      SVMX_INT_CTL_V_IGN_TPR;
		c->intercept3 |= BIT(SVMX_INT_VINTR);
	}
	if (!nmi || !svm->nmi_masked)
		return;
	if (!svm->iret_pending) {
		c->intercept3 |= BIT(SVMX_INT_IRET);
	} else if (!svm->nmi_step) {
		svm->nmi_step_tf = svm->vmcb->save.rflags & X86_EFLAGS_TF;
		svm->nmi_step = true;
		svm->vmcb->save.rflags |= X86_EFLAGS_TF;
	}
}

static u32 svm_get_interrupt_shadow(struct kvmx_x86_vcpu *xv)
{
	return (to_svm(xv)->vmcb->control.int_state & SVMX_INT_STATE_SHADOW) ?
	       KVM_X86_SHADOW_INT_MOV_SS : 0;
}

static void svm_set_interrupt_shadow(struct kvmx_x86_vcpu *xv, u32 shadow)
{
	struct vmcb_control *c = &to_svm(xv)->vmcb->control;

	if (shadow)
		c->int_state |= SVMX_INT_STATE_SHADOW;
	else
		c->int_state &= ~(u64)SVMX_INT_STATE_SHADOW;
}

static bool svm_get_nmi_mask(struct kvmx_x86_vcpu *xv)
{
	return to_svm(xv)->nmi_masked;
}

/* Stop stepping over an IRET; TF goes back to what the guest has. */
static void svm_end_nmi_step(struct kvmx_svm_vcpu *svm)
{
	if (!svm->nmi_step)
		return;
	svm->nmi_step = false;
	if (!svm->nmi_step_tf)
		svm->vmcb->save.rflags &= ~X86_EFLAGS_TF;
}

static void svm_set_nmi_mask(struct kvmx_x86_vcpu *xv, bool masked)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);

	svm->nmi_masked = masked;
	svm->iret_pending = false;
	svm_end_nmi_step(svm);
	if (masked)
		svm->vmcb->control.intercept3 |= BIT(SVMX_INT_IRET);
	else
		svm->vmcb->control.intercept3 &= ~BIT(SVMX_INT_IRET);
}

static int handle_ioio(struct kvmx_svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	u8 size = (info & SVMX_IOIO_SIZE_MASK) >> SVMX_IOIO_SIZE_SHIFT;
	u8 asize = (info & SVMX_IOIO_ASIZE_MASK) >> SVMX_IOIO_ASIZE_SHIFT;
	struct kvmx_pio pio = {
		.port = info >> SVMX_IOIO_PORT_SHIFT,
		.size = size == 4 ? 4 : size == 2 ? 2 : 1,
		.in = info & SVMX_IOIO_IN,
		.string = info & SVMX_IOIO_STR,
		.rep = info & SVMX_IOIO_REP,
		.addr_bytes = asize == 4 ? 8 : asize == 2 ? 4 : 2,
		.seg = (info & SVMX_IOIO_SEG_MASK) >> SVMX_IOIO_SEG_SHIFT,
	};

	if (pio.in)	/* INS always stores through ES */
		pio.seg = KVMX_SREG_ES;
	return kvmx_handle_io(&svm->x86, &pio);
}

static int handle_msr(struct kvmx_svm_vcpu *svm)
{
	return svm->vmcb->control.exit_info_1 ? kvmx_handle_wrmsr(&svm->x86)
					       : kvmx_handle_rdmsr(&svm->x86);
}

static int handle_ud(struct kvmx_svm_vcpu *svm)
{
	kvmx_queue_exception(&svm->x86, X86_TRAP_UD, false, 0);
	return KVMX_EXIT_RESUME;
}

static int handle_ud_exception(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_ud(&svm->x86);
}

static int handle_monitor_mwait(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_monitor_mwait(&svm->x86);
}

static int handle_intr(struct kvmx_svm_vcpu *svm)
{
	/* The host takes the interrupt once it enables IRQs again. */
	return KVMX_EXIT_RESUME;
}

static int handle_reflect(struct kvmx_svm_vcpu *svm)
{
	u8 vector = svm->vmcb->control.exit_code - SVM_EXIT_EXCP_BASE;
	bool has_error = vector == X86_TRAP_AC;

	kvmx_queue_exception(&svm->x86, vector, has_error,
			     svm->vmcb->control.exit_info_1);
	return KVMX_EXIT_RESUME;
}

static int handle_npf(struct kvmx_svm_vcpu *svm)
{
	struct kvmx_x86_vcpu *xv = &svm->x86;

	kvmx_trace_page_fault(xv, svm->vmcb->control.exit_info_2,
			      svm->vmcb->control.exit_info_1);
	/* EXITINFO1: the fault's error code, in #PF format (APM "Nested Paging"). */
	return kvmx_mmu_page_fault(xv, svm->vmcb->control.exit_info_2,
				   svm->vmcb->control.exit_info_1);
}

/*
 * Writes of CR0 and CR4; with shadow paging also their reads and CR3's.
 * The INVLPG intercept and #PF below are shadow paging's only.
 */
static int handle_cr(struct kvmx_svm_vcpu *svm)
{
	return kvmx_cr_access(&svm->x86);
}

static int handle_invlpg(struct kvmx_svm_vcpu *svm)
{
	if (KVMX_VM_DEAD_ON(!svm->x86.shadow, svm->x86.vcpu->vm))
		return -EIO;
	return kvmx_shadow_invlpg(&svm->x86);
}

/* EXITINFO1 is the #PF error code, EXITINFO2 the faulting address. */
static int handle_pf(struct kvmx_svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (KVMX_VM_DEAD_ON(!svm->x86.shadow, svm->x86.vcpu->vm))
		return -EIO;
	return kvmx_mmu_page_fault(&svm->x86, c->exit_info_2, c->exit_info_1);
}

static int handle_shutdown(struct kvmx_svm_vcpu *svm)
{
	/* The VMCB is undefined after a shutdown intercept: rebuild it. */
	memset(&svm->vmcb->save, 0, sizeof(svm->vmcb->save));
	init_vmcb_control(svm);
	svm->vmcb->save.g_pat = svm->x86.pat;
	kvmx_vcpu_reset(&svm->x86);
	return kvmx_handle_shutdown(&svm->x86);
}

static int handle_cpuid(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_cpuid(&svm->x86);
}

static int handle_hlt(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_hlt(&svm->x86);
}

static int handle_vmmcall(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_hypercall(&svm->x86);
}

static int handle_xsetbv(struct kvmx_svm_vcpu *svm)
{
	return kvmx_handle_xsetbv(&svm->x86);
}

static int handle_vintr(struct kvmx_svm_vcpu *svm)
{
	/* The guest can take an interrupt: the run loop decides what next. */
	svm_enable_window(&svm->x86, false, false);
	return KVMX_EXIT_RESUME;
}

/*
 * The NMI handler is about to return: NMIs stay blocked until the guest is
 * past this IRET (svm_nmi_iret_done()); svm_enable_window() steps over it
 * when an NMI waits.
 */
static int handle_iret(struct kvmx_svm_vcpu *svm)
{
	svm->vmcb->control.intercept3 &= ~BIT(SVMX_INT_IRET);
	svm->iret_pending = true;
	svm->iret_rip = svm->x86.rip;
	return KVMX_EXIT_RESUME;
}

/* Any exit with RIP moved on from the intercepted IRET: it has run. */
static void svm_nmi_iret_done(struct kvmx_svm_vcpu *svm)
{
	if (!svm->iret_pending || svm->x86.rip == svm->iret_rip)
		return;
	svm->iret_pending = false;
	svm->nmi_masked = false;
}

/* Exit codes 0x20-0x2f read DRn, 0x30-0x3f write it. */
/*
 * Unless userspace debugs the guest, the guest's first DR access hands it
 * the debug registers until the next exit (debug.c): the access runs
 * again, in hardware, and so do the ones after it.
 */
static int handle_dr(struct kvmx_svm_vcpu *svm)
{
	u64 code = svm->vmcb->control.exit_code;

	if (!svm->x86.guest_debug) {
		svm->vmcb->control.intercept_dr = 0;
		svm->x86.dr_passthrough = true;
		return KVMX_EXIT_RESUME;
	}
	return kvmx_handle_dr_access(&svm->x86, code & 0xf,
				     code >= SVM_EXIT_WRITE_DR0);
}

/*
 * DR6 in the VMCB started from kvmx_dr6_for_entry() and holds this #DB.
 * The single-step trap of kvmx's own step over an IRET is not the guest's.
 */
static int handle_db(struct kvmx_svm_vcpu *svm)
{
	u64 dr6 = svm->vmcb->save.dr6;

	if (svm->nmi_step) {
		bool guest_tf = svm->nmi_step_tf;

		svm_end_nmi_step(svm);
		if (!guest_tf && !(svm->x86.guest_debug & KVM_GUESTDBG_SINGLESTEP) &&
		    (dr6 & DR_STEP) && !(dr6 & DR_TRAP_BITS))
			return KVMX_EXIT_RESUME;
	}
	return kvmx_handle_db(&svm->x86, dr6);
}

/* Intercepted only while userspace plants software breakpoints. */
static int handle_bp(struct kvmx_svm_vcpu *svm)
{
	return kvmx_debug_exit(&svm->x86, X86_TRAP_BP, svm->x86.dr6);
}

static void svm_update_exception_intercepts(struct kvmx_x86_vcpu *xv)
{
	struct vmcb_control *c = &to_svm(xv)->vmcb->control;

	if (xv->guest_debug & KVM_GUESTDBG_USE_SW_BP)
		c->intercept_exceptions |= BIT(X86_TRAP_BP);
	else
		c->intercept_exceptions &= ~BIT(X86_TRAP_BP);
}

static int handle_nop(struct kvmx_svm_vcpu *svm)
{
	return kvmx_skip_insn(&svm->x86);
}

/*
 * Exit handlers by exit code.  Return contract: KVMX_EXIT_RESUME,
 * KVMX_EXIT_USER or -errno (kvmx_x86.h).
 */
static int (*const svm_exit_handlers[])(struct kvmx_svm_vcpu *svm) = {
	[SVM_EXIT_READ_CR0 ... SVM_EXIT_READ_CR0 + 15] = handle_cr,
	[SVM_EXIT_WRITE_CR0 ... SVM_EXIT_WRITE_CR0 + 15] = handle_cr,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR0 + 7]	= handle_dr,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR0 + 7] = handle_dr,
	[SVM_EXIT_EXCP_BASE + X86_TRAP_DB]	= handle_db,
	[SVM_EXIT_EXCP_BASE + X86_TRAP_BP]	= handle_bp,
	[SVM_EXIT_EXCP_BASE + X86_TRAP_UD]	= handle_ud_exception,
	[SVM_EXIT_EXCP_BASE + X86_TRAP_PF]	= handle_pf,
	[SVM_EXIT_EXCP_BASE + X86_TRAP_AC]	= handle_reflect,
	[SVM_EXIT_INTR]				= handle_intr,
	[SVM_EXIT_NMI]				= handle_intr,
	[SVM_EXIT_SMI]				= handle_intr,
	[SVM_EXIT_INIT]				= handle_intr,
	[SVM_EXIT_VINTR]			= handle_vintr,
	[SVM_EXIT_IRET]				= handle_iret,
	[SVM_EXIT_CPUID]			= handle_cpuid,
	[SVM_EXIT_INVD]				= handle_nop,
	[SVM_EXIT_HLT]				= handle_hlt,
	[SVM_EXIT_INVLPG]			= handle_invlpg,
	[SVM_EXIT_INVLPGA]			= handle_ud,
	[SVM_EXIT_IOIO]				= handle_ioio,
	[SVM_EXIT_MSR]				= handle_msr,
	[SVM_EXIT_SHUTDOWN]			= handle_shutdown,
	[SVM_EXIT_VMRUN]			= handle_ud,
	[SVM_EXIT_VMMCALL]			= handle_vmmcall,
	[SVM_EXIT_VMLOAD]			= handle_ud,
	[SVM_EXIT_VMSAVE]			= handle_ud,
	[SVM_EXIT_STGI]				= handle_ud,
	[SVM_EXIT_CLGI]				= handle_ud,
	[SVM_EXIT_SKINIT]			= handle_ud,
	[SVM_EXIT_MONITOR]			= handle_monitor_mwait,
	[SVM_EXIT_MWAIT]			= handle_monitor_mwait,
	[SVM_EXIT_MWAIT_COND]			= handle_monitor_mwait,
	[SVM_EXIT_XSETBV]			= handle_xsetbv,
	[SVM_EXIT_NPF]				= handle_npf,
};

/* What an exit code costs, for the statistics (enum kvmx_exit_kind). */
static enum kvmx_exit_kind svm_exit_kind(u32 code)
{
	if (code >= SVM_EXIT_EXCP_BASE && code <= SVM_EXIT_LAST_EXCP)
		return KVMX_EXIT_EXCEPTION;
	switch (code) {
	case SVM_EXIT_IOIO:		return KVMX_EXIT_IO;
	case SVM_EXIT_HLT:		return KVMX_EXIT_HLT;
	case SVM_EXIT_CPUID:		return KVMX_EXIT_CPUID;
	case SVM_EXIT_MSR:		return KVMX_EXIT_MSR;
	case SVM_EXIT_NPF:		return KVMX_EXIT_TDP_FAULT;
	case SVM_EXIT_VMMCALL:		return KVMX_EXIT_HYPERCALL;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:		return KVMX_EXIT_EXT_INTR;
	case SVM_EXIT_VINTR:
	case SVM_EXIT_IRET:		return KVMX_EXIT_WINDOW;
	case SVM_EXIT_XSETBV:		return KVMX_EXIT_XSETBV;
	case SVM_EXIT_SHUTDOWN:		return KVMX_EXIT_SHUTDOWN;
	default:			return KVMX_EXIT_OTHER;
	}
}

static __always_inline int svm_handle_exit(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	struct vmcb_control *c = &svm->vmcb->control;
	struct kvm_run *run = xv->vcpu->run;
	u64 code = c->exit_code;

	kvmx_stat_exit(xv, KVMX_ISA_SVM, svm_exit_kind(code), code,
		       c->exit_info_1, c->exit_info_2, c->exit_int_info,
		       c->exit_int_info >> 32);
	/*
	 * VMRUN refused the guest state (VMEXIT_INVALID, -1; a CPU may store
	 * only its low 32 bits).  kvm-amd reports the 32-bit exit code.
	 */
	if ((u32)code == (u32)SVM_EXIT_ERR) {
		pr_warn_ratelimited("VMRUN failed: invalid guest state (cr0 0x%llx cr4 0x%llx efer 0x%llx)\n",
				    svm->vmcb->save.cr0, svm->vmcb->save.cr4,
				    svm->vmcb->save.efer);
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = (u32)code;
		run->fail_entry.cpu = svm->asid_cpu;
		return KVMX_EXIT_USER;
	}
	svm_requeue_event(svm);
	svm_nmi_iret_done(svm);
	if (code < ARRAY_SIZE(svm_exit_handlers) && svm_exit_handlers[code])
		return svm_exit_handlers[code](svm);

	/* kvmx intercepts nothing it has no handler for: a host bug. */
	WARN_ONCE(1, "unexpected SVM exit 0x%llx\n", code);
	kvmx_vm_mark_dead(svm->x86.vcpu->vm, "unexpected SVM exit");
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = code;
	run->internal.data[1] = svm->asid_cpu;
	return KVMX_EXIT_USER;
}

/*
 * Take a fresh ASID when this CPU's generation moved or the vCPU moved.
 * TLB_CONTROL holds what the flush ops asked for since the last VMRUN.
 */
static void svm_pick_asid(struct kvmx_svm_vcpu *svm, struct svm_cpu *sc,
			  int cpu)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (svm->asid_cpu != cpu || svm->asid_gen != sc->asid_gen) {
		if (sc->next_asid >= nr_asids) {
			sc->asid_gen++;
			sc->next_asid = 1;
			sc->flush_all = true;
		}
		svm->asid = sc->next_asid++;
		svm->asid_gen = sc->asid_gen;
		svm->asid_cpu = cpu;
		c->asid = svm->asid;
		c->tlb_ctl = SVMX_TLB_FLUSH_ASID;
	}
	if (sc->flush_all) {
		sc->flush_all = false;
		c->tlb_ctl = SVMX_TLB_FLUSH_ALL;
	}
}

/* KVMX_REQ_TLB_FLUSH(_GUEST): the ASID's translations go at the next VMRUN. */
static void svm_flush_tlb(struct kvmx_x86_vcpu *xv)
{
	to_svm(xv)->vmcb->control.tlb_ctl = SVMX_TLB_FLUSH_ASID;
}

static int svm_triple_fault(struct kvmx_x86_vcpu *xv)
{
	return handle_shutdown(to_svm(xv));
}

/*
 * The world switch (kvmx_enter_guest() did the rest), interrupts disabled:
 * the VMCB from the register cache, the ASID, VMRUN, and what the exit
 * left in the VMCB back into the register cache.  EVENTINJ is cleared
 * after VMRUN, so the next entry starts with no event (the clear_event op).
 */
static __always_inline void svm_run(struct kvmx_x86_vcpu *xv, bool flush_l1d)
{
	struct kvmx_svm_vcpu *svm = to_svm(xv);
	struct vmcb *vmcb = svm->vmcb;
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);

	vmcb->save.rax = xv->regs[KVMX_RAX];
	vmcb->save.rsp = xv->regs[KVMX_RSP];
	vmcb->save.rip = xv->rip;
	vmcb->control.tsc_offset = xv->tsc_offset;
	if (xv->shadow) {
		/* Shadow paging: the registers the CPU runs with. */
		vmcb->save.cr0 = xv->shadow_hw.cr0;
		vmcb->save.cr3 = xv->shadow_hw.cr3;
		vmcb->save.cr4 = xv->shadow_hw.cr4;
		vmcb->save.efer = xv->shadow_hw.efer | EFER_SVME;
	}
	svm_pick_asid(svm, sc, smp_processor_id());
	vmcb->save.dr7 = kvmx_dr7_for_entry(xv);
	vmcb->save.dr6 = kvmx_dr6_for_entry(xv);
	vmcb->control.clean = 0;
	svm_load_tsc_aux(sc, svm->tsc_aux);

	asm volatile("clgi" ::: "memory");
	kvmx_svm_vmrun(svm->vmcb_pa, xv->regs, page_to_phys(sc->host_save),
		       vmcb->control.int_state & SVMX_INT_STATE_SHADOW);
	asm volatile("stgi" ::: "memory");

	vmcb->control.tlb_ctl = SVMX_TLB_FLUSH_NOTHING;
	vmcb->control.event_inj = 0;
	if (xv->dr_passthrough) {
		xv->dr6 = vmcb->save.dr6;
		xv->dr7 = vmcb->save.dr7;
		vmcb->control.intercept_dr = SVM_DR_INTERCEPTS;
	}
	xv->regs[KVMX_RAX] = vmcb->save.rax;
	xv->regs[KVMX_RSP] = vmcb->save.rsp;
	xv->rip = vmcb->save.rip;
	/* EFER.LMA follows CR0.PG in hardware; shadow paging tracks it itself. */
	if (!xv->shadow)
		xv->efer = vmcb->save.efer & ~EFER_SVME;
}

static int svm_enter_guest(struct kvmx_x86_vcpu *xv);

const struct kvmx_x86_ops kvmx_svm_ops = {
	.name			= "AMD SVM",
	.probe			= svm_probe,
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.hw_enable_cpu		= svm_hw_enable_cpu,
	.hw_disable_cpu		= svm_hw_disable_cpu,
	.tdp_format		= &npt_format,
	.nested_paging		= &npt,
	.tss_addr_max		= U64_MAX,	/* kvm-amd only records it */
	.shadow_paging		= true,
	.tpr_patching		= true,		/* no TPR shadow in SVM */
	.mcg_cap_extra		= 0,
	/* AMD reserves MCG_CAP[63:9] (APM vol. 2, "Machine-Check Architecture"). */
	.mcg_cap_kept		= MCG_BANKCNT_MASK | MCG_CTL_P,
	.vcpu_alloc		= svm_vcpu_alloc,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.get_segment		= svm_get_segment,
	.get_segment_base	= svm_get_segment_base,
	.set_segment		= svm_set_segment,
	.get_dtable		= svm_get_dtable,
	.set_dtable		= svm_set_dtable,
	.get_cr			= svm_get_cr,
	.set_cr			= svm_set_cr,
	.set_efer		= svm_set_efer,
	.get_rflags		= svm_get_rflags,
	.set_rflags		= svm_set_rflags,
	.get_cpl		= svm_get_cpl,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.triple_fault		= svm_triple_fault,
	.enter_guest		= svm_enter_guest,
	.run			= svm_run,
	.handle_exit		= svm_handle_exit,
	.flush_tlb		= svm_flush_tlb,
	.flush_tlb_guest	= svm_flush_tlb,
	.skip_insn		= svm_skip_insn,
	.interrupt_allowed	= svm_interrupt_allowed,
	.nmi_allowed		= svm_nmi_allowed,
	.inject_event		= svm_inject_event,
	.enable_window		= svm_enable_window,
	.get_interrupt_shadow	= svm_get_interrupt_shadow,
	.set_interrupt_shadow	= svm_set_interrupt_shadow,
	.update_exception_intercepts = svm_update_exception_intercepts,
	.msr_filter_changed	= svm_msr_filter_changed,
	.get_nmi_mask		= svm_get_nmi_mask,
	.set_nmi_mask		= svm_set_nmi_mask,
};

/* The entry sequence with this backend's hooks as direct calls. */
static int svm_enter_guest(struct kvmx_x86_vcpu *xv)
{
	return kvmx_enter_guest(xv, &kvmx_svm_ops);
}
