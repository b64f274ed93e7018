// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel VMX backend: enabling VMX, capability MSRs, the VMCS and its
 * life across CPUs, EPT and VPIDs, the guest-state cache, and the world
 * switch around kvmx_vmx_vmenter().  The exit handlers are in exits.c.
 *
 * VMCS residency ("loading around each use"): only vmx_run() touches the
 * VMCS, with preemption disabled.  It makes the vCPU's VMCS current on the
 * CPU it runs on (VMPTRLD) and leaves it active there afterwards.  When the
 * vCPU next runs on another CPU, the old CPU VMCLEARs it first (an IPI), as
 * the SDM requires before a VMCS is used on a different processor
 * ("Software Use of Virtual-Machine Control Structures").  Every CPU keeps
 * the list of VMCSs active on it, so disabling VMX there clears them all.
 * The rest of the backend works on a software copy of the guest state
 * (struct vmx_guest), read back after every exit, written before entry.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "kvmx_entry.h"
#include "vmx.h"

/*
 * Module parameters, as kvm_intel's (read-only: set them at load); ept is
 * read at load by mmu/mmu.c, which clears it when tdp=N.
 */
static bool ept = true;
module_param(ept, bool, 0444);
MODULE_PARM_DESC(ept,
		 "Intel: use EPT (as kvm_intel's ept); N: shadow paging, real mode in virtual-8086 mode");
static bool vpid = true;
module_param(vpid, bool, 0444);
MODULE_PARM_DESC(vpid, "tag guest TLB entries with VPIDs");
static bool unrestricted_guest = true;
module_param(unrestricted_guest, bool, 0444);
MODULE_PARM_DESC(unrestricted_guest,
		 "run real mode natively; N only with ept=N (real mode then runs as virtual-8086 mode)");

struct vmx_config vmx_cfg;

/**
 * struct vmx_cpu - per-CPU VMX state
 * @vmxon:      the VMXON region (allocated at load, used while enabled)
 * @loaded:     VMCSs active on this CPU (struct kvmx_vmx_vcpu.loaded_link)
 * @current_vcpu: the vCPU whose VMCS is current here (VMPTRLD), or NULL
 * Accessed only by the owning CPU: with preemption disabled by the vCPU
 * thread, and with interrupts disabled where an IPI may also change it.
 */
struct vmx_cpu {
	struct vmx_vmcs *vmxon;
	struct list_head loaded;
	struct kvmx_vmx_vcpu *current_vcpu;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

/* VPIDs in use; VPID 0 is the host's. */
static DECLARE_BITMAP(vpid_bitmap, VMX_NR_VPIDS);
static DEFINE_SPINLOCK(vpid_lock);

/*
 * EPT entries (Intel SDM, "EPT Translation Mechanism"): read, write and
 * execute in bits 2:0; leaves carry memory type WB in bits 5:3 and ignore
 * the guest PAT (IPAT, bit 6), as kvm does without non-coherent DMA.
 */
#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define EPT_IPAT	BIT_ULL(6)
#define EPT_LARGE	BIT_ULL(7)

static const struct kvmx_tdp_format ept_format = {
	.present = EPT_R | EPT_W | EPT_X,
	.table	 = EPT_R | EPT_W | EPT_X,
	.leaf_rw = EPT_R | EPT_W | EPT_X | EPT_MT_WB | EPT_IPAT,
	.leaf_ro = EPT_R | EPT_X | EPT_MT_WB | EPT_IPAT,
	.writable = EPT_W,
	.large	 = EPT_LARGE,
};

/* EPTP: WB paging structures, 4-level walk ("Extended-Page-Table Pointer"). */
#define EPTP_MT_WB		6ULL
#define EPTP_WALK_4		(3ULL << 3)

/* ---- single VMX instructions ---------------------------------------- */

noinline void vmx_insn_failed(const char *insn, u64 arg)
{
	pr_err_ratelimited("%s 0x%llx failed\n", insn, arg);
}

static __always_inline int vmx_on(u64 pa)
{
	bool fail;

	asm volatile("vmxon %1; setna %0"
		     : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline void vmx_off(void)
{
	asm volatile("vmxoff" ::: "cc", "memory");
}

static __always_inline void vmcs_clear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %1; setna %0"
		     : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("vmclear", pa);
}

static __always_inline void vmcs_load(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %1; setna %0"
		     : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("vmptrld", pa);
}

static __always_inline void ept_flush(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	bool fail;

	asm volatile("invept %1, %2; setna %0"
		     : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("invept", eptp);
}

static __always_inline void vpid_flush(unsigned long type, u16 id)
{
	struct { u64 vpid, gva; } desc = { id, 0 };
	bool fail;

	asm volatile("invvpid %1, %2; setna %0"
		     : "=qm"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("invvpid", id);
}

/* ---- capabilities ----------------------------------------------------- */

/*
 * Combine the controls we need (@min) and would like (@opt) with what the
 * capability MSR allows: its low half are the bits that must be 1, its
 * high half those that may be 1 ("VMX Capability Reporting Facility").
 */
static int adjust_ctls(u32 min, u32 opt, u32 msr, u32 *out)
{
	u32 must, may, ctl;

	rdmsr(msr, must, may);
	ctl = ((min | opt) & may) | must;
	if (min & ~ctl)
		return -EOPNOTSUPP;
	*out = ctl;
	return 0;
}

static bool ept_usable(u64 cap)
{
	return (cap & VMX_EPT_PAGE_WALK_4_BIT) && (cap & VMX_EPTP_WB_BIT) &&
	       (cap & VMX_EPT_INVEPT_BIT) && (cap & VMX_EPT_EXTENT_CONTEXT_BIT) &&
	       (cap & VMX_EPT_2MB_PAGE_BIT);
}

static int setup_config(bool shadow)
{
	struct vmx_config *c = &vmx_cfg;
	u64 basic;
	bool true_ctls;
	u32 must __maybe_unused, may;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	c->revision_id = basic & 0x7fffffff;
	true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	c->ins_outs_info = basic & BIT_ULL(54);

	if (adjust_ctls(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			PIN_BASED_VIRTUAL_NMIS, 0,
			true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
				  : MSR_IA32_VMX_PINBASED_CTLS, &c->pin) ||
	    adjust_ctls(CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_USE_TSC_OFFSETTING |
			CPU_BASED_MOV_DR_EXITING | CPU_BASED_CR8_LOAD_EXITING |
			CPU_BASED_CR8_STORE_EXITING | CPU_BASED_MWAIT_EXITING |
			CPU_BASED_MONITOR_EXITING | CPU_BASED_RDPMC_EXITING |
			CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
			true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
				  : MSR_IA32_VMX_PROCBASED_CTLS, &c->proc) ||
	    adjust_ctls(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER |
			VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS, 0,
			true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS
				  : MSR_IA32_VMX_EXIT_CTLS, &c->exit) ||
	    adjust_ctls(VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
			VM_ENTRY_LOAD_DEBUG_CONTROLS, 0,
			true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS
				  : MSR_IA32_VMX_ENTRY_CTLS, &c->entry)) {
		pr_err("VMX lacks a required control (interrupt/NMI exiting, virtual NMIs, MSR bitmaps, EFER/PAT/debug-control switching)\n");
		return -EOPNOTSUPP;
	}
	/* The windows are opened per entry, when an event must wait. */
	rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
			: MSR_IA32_VMX_PROCBASED_CTLS, must, may);
	if (~may & (CPU_BASED_INTR_WINDOW_EXITING |
		    CPU_BASED_NMI_WINDOW_EXITING)) {
		pr_err("VMX lacks interrupt or NMI window exiting\n");
		return -EOPNOTSUPP;
	}
	/* IA-32e mode is chosen per entry; the guest may never want it. */
	c->entry &= ~VM_ENTRY_IA32E_MODE;
	rdmsr(MSR_IA32_VMX_ENTRY_CTLS, must, may);
	if (!(may & VM_ENTRY_IA32E_MODE)) {
		pr_err("VMX cannot enter 64-bit guests\n");
		return -EOPNOTSUPP;
	}
	if (adjust_ctls(shadow ? 0 : SECONDARY_EXEC_ENABLE_EPT |
				     SECONDARY_EXEC_UNRESTRICTED_GUEST,
			(shadow ? 0 : SECONDARY_EXEC_ENABLE_EPT |
				      SECONDARY_EXEC_UNRESTRICTED_GUEST) |
			SECONDARY_EXEC_ENABLE_RDTSCP |
			SECONDARY_EXEC_PAUSE_LOOP_EXITING |
			(vpid ? SECONDARY_EXEC_ENABLE_VPID : 0),
			MSR_IA32_VMX_PROCBASED_CTLS2, &c->proc2)) {
		pr_err("VMX lacks EPT or unrestricted guest\n");
		return -EOPNOTSUPP;
	}

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, c->ept_vpid_cap);
	if (!shadow && !ept_usable(c->ept_vpid_cap)) {
		/* module/mmu/tdp.c maps 2 MiB leaves where the host has them. */
		pr_err("EPT lacks 4-level WB tables, 2 MiB pages or single-context INVEPT\n");
		return -EOPNOTSUPP;
	}
	/* VPIDs need single-context INVVPID; without it run untagged. */
	if (!(c->ept_vpid_cap & (VMX_VPID_INVVPID_BIT << 32)) ||
	    !(c->ept_vpid_cap & (VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)))
		c->proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	c->has_vpid = c->proc2 & SECONDARY_EXEC_ENABLE_VPID;
	/* TSC_AUX exists with RDTSCP or RDPID; switch it only then. */
	c->nr_autoload = VMX_NR_AUTOLOAD;
	if (!boot_cpu_has(X86_FEATURE_RDTSCP) &&
	    !boot_cpu_has(X86_FEATURE_RDPID)) {
		c->nr_autoload = VMX_AUTO_TSC_AUX;
		c->proc2 &= ~SECONDARY_EXEC_ENABLE_RDTSCP;
	}

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	/* Unrestricted guests may clear PE and PG. */
	c->cr0_fixed0 &= ~(u64)(X86_CR0_PE | X86_CR0_PG);
	return 0;
}

static void check_vmxe(void *busy)
{
	if (__read_cr4() & X86_CR4_VMXE)
		atomic_inc(busy);
}

static int vmx_probe(void)
{
	atomic_t busy = ATOMIC_INIT(0);
	u64 feat;
	int r;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_CENTAUR &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_ZHAOXIN)
		return -ENODEV;
	if (!(cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31))) {
		pr_err("CPU lacks VMX\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_IA32_FEAT_CTL, feat);
	if ((feat & FEAT_CTL_LOCKED) &&
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX disabled by firmware (IA32_FEATURE_CONTROL)\n");
		return -EOPNOTSUPP;
	}
	/*
	 * Shadow paging (ept=N or tdp=N) runs real mode in virtual-8086
	 * mode, as unrestricted guest needs EPT.  EPT without unrestricted
	 * guest would need both: not offered.
	 */
	if (kvmx_mmu_shadow_requested(&kvmx_vmx_ops)) {
		unrestricted_guest = false;
	} else if (!unrestricted_guest) {
		pr_err("unrestricted_guest=N needs ept=N (real mode in virtual-8086 mode under shadow paging)\n");
		return -EINVAL;
	}
	r = setup_config(kvmx_mmu_shadow_requested(&kvmx_vmx_ops));
	if (r)
		return r;
	on_each_cpu(check_vmxe, &busy, 1);
	if (atomic_read(&busy)) {
		pr_err("VMX is in use by another hypervisor (CR4.VMXE set)\n");
		return -EBUSY;
	}
	vpid = vmx_cfg.has_vpid;
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		free_page((unsigned long)vc->vmxon);
		vc->vmxon = NULL;
	}
	vmx_l1d_flush_unsetup();
}

static int vmx_hardware_setup(void)
{
	int cpu, r;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		vc->vmxon = (void *)get_zeroed_page(GFP_KERNEL);
		if (!vc->vmxon) {
			vmx_hardware_unsetup();
			return -ENOMEM;
		}
		vc->vmxon->revision_id = vmx_cfg.revision_id;
		INIT_LIST_HEAD(&vc->loaded);
	}
	r = vmx_l1d_flush_setup();
	if (r) {
		vmx_hardware_unsetup();
		return r;
	}
	set_bit(0, vpid_bitmap);
	vmx_exit_kinds_init();
	pr_info("VMX: %s, VPID %s, L1D flush %s\n",
		unrestricted_guest ? "EPT, unrestricted guest"
				   : "shadow paging, real mode as virtual-8086",
		vmx_cfg.has_vpid ? "yes" : "no", vmx_l1d_flush_mode());
	return 0;
}

/* ---- enabling VMX on a CPU ---------------------------------------------- */

static int vmx_hw_enable_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	u64 feat;

	if (__read_cr4() & X86_CR4_VMXE)
		return -EBUSY;
	rdmsrl(MSR_IA32_FEAT_CTL, feat);
	if (!(feat & FEAT_CTL_LOCKED)) {
		/* Firmware left it open: enable VMX and lock, as kvm does. */
		feat |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
		wrmsrl(MSR_IA32_FEAT_CTL, feat);
	}
	if (!(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return -EIO;
	if ((read_cr0() & vmx_cfg.cr0_fixed0) != vmx_cfg.cr0_fixed0 ||
	    (read_cr0() & ~vmx_cfg.cr0_fixed1))
		return -EIO;

	cr4_set_bits(X86_CR4_VMXE);
	if (vmx_on(__pa(vc->vmxon))) {
		cr4_clear_bits(X86_CR4_VMXE);
		return -EIO;
	}
	/* Translations an earlier user of VMX left behind must not be used. */
	if (vmx_cfg.ept_vpid_cap & VMX_EPT_EXTENT_GLOBAL_BIT)
		ept_flush(VMX_EPT_EXTENT_GLOBAL, 0);
	if (vmx_cfg.has_vpid &&
	    (vmx_cfg.ept_vpid_cap & (VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT << 32)))
		vpid_flush(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	vc->current_vcpu = NULL;
	return 0;
}

/* VMCLEAR @vmx on this CPU, if its VMCS is active here. */
static void vmclear_local(void *arg)
{
	struct kvmx_vmx_vcpu *vmx = arg;
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	if (READ_ONCE(vmx->cpu) != smp_processor_id())
		return;
	vmcs_clear(vmx->vmcs_pa);
	list_del(&vmx->loaded_link);
	if (vc->current_vcpu == vmx)
		vc->current_vcpu = NULL;
	/* The clear must be in memory before another CPU loads the VMCS. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_hw_disable_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct kvmx_vmx_vcpu *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
		vmclear_local(vmx);
	vmx_off();
	cr4_clear_bits(X86_CR4_VMXE);
	vc->current_vcpu = NULL;
}

/* ---- vCPUs ------------------------------------------------------------- */

static u16 vpid_alloc(void)
{
	unsigned long id;

	if (!vmx_cfg.has_vpid)
		return 0;
	spin_lock(&vpid_lock);
	id = find_first_zero_bit(vpid_bitmap, VMX_NR_VPIDS);
	if (id < VMX_NR_VPIDS)
		__set_bit(id, vpid_bitmap);
	else
		id = 0;	/* all taken: run untagged, flushed on every entry */
	spin_unlock(&vpid_lock);
	return id;
}

static void vpid_free(u16 id)
{
	if (!id)
		return;
	spin_lock(&vpid_lock);
	__clear_bit(id, vpid_bitmap);
	spin_unlock(&vpid_lock);
}

/* Set or clear the read and write intercept bits of @msr in @bitmap. */
static void msr_bitmap_set(u8 *bitmap, u32 msr, bool read_exits,
			   bool write_exits)
{
	u32 read, write;

	if (msr <= 0x1fff) {
		read = VMX_MSR_BITMAP_READ_LOW;
		write = VMX_MSR_BITMAP_WRITE_LOW;
	} else if (msr - 0xc0000000 <= 0x1fff) {
		read = VMX_MSR_BITMAP_READ_HIGH;
		write = VMX_MSR_BITMAP_WRITE_HIGH;
		msr -= 0xc0000000;
	} else {
		return;
	}
	if (read_exits)
		bitmap[read + msr / 8] |= BIT(msr % 8);
	else
		bitmap[read + msr / 8] &= ~BIT(msr % 8);
	if (write_exits)
		bitmap[write + msr / 8] |= BIT(msr % 8);
	else
		bitmap[write + msr / 8] &= ~BIT(msr % 8);
}

/*
 * MSRs the guest accesses without exits: the VMCS guest area holds FS/GS
 * base and the SYSENTER MSRs, the MSR areas switch the others.
 */
static const u32 passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_TSC_AUX,
};

/* The MSR filter may deny what passthrough_msrs lets through: intercept. */
static void vmx_msr_filter_changed(struct kvmx_x86_vcpu *xv)
{
	u8 *bitmap = to_vmx(xv)->msr_bitmap;
	int i;

	for (i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msr_bitmap_set(bitmap, passthrough_msrs[i],
			       !kvmx_msr_allowed(xv, passthrough_msrs[i], false),
			       !kvmx_msr_allowed(xv, passthrough_msrs[i], true));
}

static const u32 autoload_msrs[VMX_NR_AUTOLOAD] = {
	[VMX_AUTO_STAR]		  = MSR_STAR,
	[VMX_AUTO_LSTAR]	  = MSR_LSTAR,
	[VMX_AUTO_CSTAR]	  = MSR_CSTAR,
	[VMX_AUTO_SFMASK]	  = MSR_SYSCALL_MASK,
	[VMX_AUTO_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[VMX_AUTO_TSC_AUX]	  = MSR_TSC_AUX,
};

static struct kvmx_x86_vcpu *vmx_vcpu_alloc(void)
{
	struct kvmx_vmx_vcpu *vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);

	return vmx ? &vmx->x86 : NULL;
}

static void vmx_vcpu_free_pages(struct kvmx_vmx_vcpu *vmx)
{
	free_page((unsigned long)vmx->vmcs);
	free_page((unsigned long)vmx->msr_bitmap);
	free_page((unsigned long)vmx->guest_msrs);
}

static int vmx_vcpu_create(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	int i;

	vmx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vmx->msr_bitmap = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vmx->guest_msrs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->vmcs || !vmx->msr_bitmap || !vmx->guest_msrs) {
		vmx_vcpu_free_pages(vmx);
		return -ENOMEM;
	}
	vmx->vmcs->revision_id = vmx_cfg.revision_id;
	vmx->vmcs_pa = __pa(vmx->vmcs);
	memset(vmx->msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msr_bitmap_set(vmx->msr_bitmap, passthrough_msrs[i], false, false);
	/* Both MSR areas share the page: guest first, host after it. */
	vmx->host_msrs = vmx->guest_msrs + VMX_NR_AUTOLOAD;
	for (i = 0; i < VMX_NR_AUTOLOAD; i++) {
		vmx->guest_msrs[i].index = autoload_msrs[i];
		vmx->host_msrs[i].index = autoload_msrs[i];
		if (i != VMX_AUTO_TSC_AUX)
			rdmsrl(autoload_msrs[i], vmx->host_msrs[i].value);
	}
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vpid = vpid_alloc();
	vmx->guest.pat = 0x0007040600070406ULL;
	vmx->exc_bitmap = VMX_EXCEPTION_BITMAP;
	vmx->guest.dirty = true;
	xv->l1d_flush = true;
	/* The guest's TSC starts near zero, as with kvm. */
	xv->tsc_offset = -(s64)rdtsc();
	return 0;
}

static void vmx_vcpu_free(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmclear_local, vmx, 1);
	vpid_free(vmx->vpid);
	vmx_rmode_free(vmx);
	vmx_vcpu_free_pages(vmx);
}

/* ---- the guest-state cache (ops of struct kvmx_x86_ops) ---------------- */

static u64 vmx_get_segment_base(struct kvmx_x86_vcpu *xv, enum kvmx_sreg seg)
{
	return to_vmx(xv)->guest.seg[seg].base;
}

static void vmx_get_segment(struct kvmx_x86_vcpu *xv, struct kvm_segment *var,
			    enum kvmx_sreg seg)
{
	const struct vmx_seg *s = &to_vmx(xv)->guest.seg[seg];
	u32 ar = s->ar;

	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = ar & 0xf;
	var->s = (ar >> 4) & 1;
	var->dpl = (ar >> 5) & 3;
	var->unusable = !!(ar & VMX_AR_UNUSABLE);
	/* A usable segment is present by definition (kvm reports the same). */
	var->present = !var->unusable;
	var->avl = (ar >> 12) & 1;
	var->l = (ar >> 13) & 1;
	var->db = (ar >> 14) & 1;
	var->g = (ar >> 15) & 1;
	var->padding = 0;
}

static void vmx_set_segment(struct kvmx_x86_vcpu *xv,
			    const struct kvm_segment *var, enum kvmx_sreg seg)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	struct vmx_seg *s = &vmx->guest.seg[seg];

	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	if (var->unusable || !var->present)
		s->ar = VMX_AR_UNUSABLE;
	else
		s->ar = (var->type & 0xf) | (var->s & 1) << 4 |
			(var->dpl & 3) << 5 | 1 << 7 | (var->avl & 1) << 12 |
			(var->l & 1) << 13 | (var->db & 1) << 14 |
			(var->g & 1) << 15;
	vmx->guest.dirty = true;
}

static void vmx_get_dtable(struct kvmx_x86_vcpu *xv, struct kvm_dtable *dt,
			   bool idt)
{
	struct vmx_guest *g = &to_vmx(xv)->guest;

	dt->base = idt ? g->idtr.base : g->gdtr.base;
	dt->limit = idt ? g->idtr.limit : g->gdtr.limit;
	memset(dt->padding, 0, sizeof(dt->padding));
}

static void vmx_set_dtable(struct kvmx_x86_vcpu *xv,
			   const struct kvm_dtable *dt, bool idt)
{
	struct vmx_guest *g = &to_vmx(xv)->guest;

	if (idt) {
		g->idtr.base = dt->base;
		g->idtr.limit = dt->limit;
	} else {
		g->gdtr.base = dt->base;
		g->gdtr.limit = dt->limit;
	}
	g->dirty = true;
}

/* PAE paging (not long mode): the PDPTEs come from the VMCS on entry. */
bool vmx_pae_paging(struct kvmx_vmx_vcpu *vmx)
{
	const struct vmx_guest *g = &vmx->guest;

	/* Shadow paging: the processor reads them from its own CR3. */
	if (vmx->x86.shadow)
		return false;
	return (g->cr0 & X86_CR0_PG) && (g->cr4 & X86_CR4_PAE) &&
	       !(g->efer & EFER_LMA);
}

/* Load the PDPTEs from guest memory, as MOV CR3/CR0/CR4 would. */
void vmx_load_pdptrs(struct kvmx_vmx_vcpu *vmx)
{
	int i;

	if (!vmx_pae_paging(vmx))
		return;
	for (i = 0; i < 4; i++) {
		vmx->guest.pdptr[i] = 0;
		kvmx_read_guest(vmx->x86.vcpu->vm,
				(vmx->guest.cr3 & ~0x1fULL) + 8 * i,
				&vmx->guest.pdptr[i], 8);
	}
}

static u64 vmx_get_cr(struct kvmx_x86_vcpu *xv, int cr)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	/* Shadow paging keeps the guest's CR3 (its own MOV CR3 included). */
	if (xv->shadow && (cr == 0 || cr == 3 || cr == 4))
		return kvmx_shadow_get_cr(xv, cr);
	switch (cr) {
	case 0: return vmx->guest.cr0;
	case 2: return vmx->regs_cr2;
	case 3: return vmx->guest.cr3;
	case 4: return vmx->guest.cr4;
	case 8: return vmx->guest.cr8;
	default: return 0;
	}
}

static void vmx_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	/* The guest's view stays in @guest too: CPL, PE and PAE read it. */
	if (xv->shadow && (cr == 0 || cr == 3 || cr == 4))
		kvmx_shadow_set_cr(xv, cr, val);	/* loaded at entry */
	switch (cr) {
	case 0:
		vmx->guest.cr0 = val;
		break;
	case 2:
		vmx->regs_cr2 = val;
		return;
	case 3:
		vmx->guest.cr3 = val;
		break;
	case 4:
		vmx->guest.cr4 = val;
		break;
	case 8:
		vmx->guest.cr8 = val & 0xf;
		return;
	default:
		return;
	}
	vmx_load_pdptrs(vmx);
	kvmx_make_request(KVMX_REQ_TLB_FLUSH_GUEST, xv->vcpu);
	vmx->guest.dirty = true;
}

static void vmx_set_efer(struct kvmx_x86_vcpu *xv, u64 efer)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	vmx->guest.efer = efer;
	vmx->guest.dirty = true;
	if (xv->shadow)
		kvmx_shadow_efer_changed(xv);	/* loaded at entry */
}

static u64 vmx_get_rflags(struct kvmx_x86_vcpu *xv)
{
	return to_vmx(xv)->guest.rflags;
}

static void vmx_set_rflags(struct kvmx_x86_vcpu *xv, u64 rflags)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	vmx->guest.rflags = rflags;
	vmx->guest.dirty = true;
}

/* CPL is SS.DPL under VMX (and 3 in virtual-8086 mode). */
static int vmx_get_cpl(struct kvmx_x86_vcpu *xv)
{
	struct vmx_guest *g = &to_vmx(xv)->guest;

	if (!(g->cr0 & X86_CR0_PE))
		return 0;
	if (g->rflags & X86_EFLAGS_VM)
		return 3;
	return (g->seg[KVMX_SREG_SS].ar >> 5) & 3;
}

static u64 *vmx_msr_field(struct kvmx_vmx_vcpu *vmx, u32 index)
{
	struct vmx_guest *g = &vmx->guest;
	int i;

	switch (index) {
	case MSR_FS_BASE:		return &g->seg[KVMX_SREG_FS].base;
	case MSR_GS_BASE:		return &g->seg[KVMX_SREG_GS].base;
	case MSR_IA32_SYSENTER_CS:	return &g->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &g->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &g->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &g->pat;
	}
	for (i = 0; i < vmx_cfg.nr_autoload; i++)
		if (autoload_msrs[i] == index)
			return &vmx->guest_msrs[i].value;
	return NULL;
}

static int vmx_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	u64 *f = vmx_msr_field(to_vmx(xv), index);

	if (!f || index == MSR_IA32_CR_PAT)
		return -ENOENT;
	*data = *f;
	return 0;
}

static int vmx_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	u64 *f = vmx_msr_field(vmx, index);

	if (!f)
		return -ENOENT;
	/* TSC_AUX has 32 bits; base addresses must be canonical (#GP). */
	if (index == MSR_TSC_AUX && (data >> 32))
		return 1;
	if (index != MSR_IA32_CR_PAT && index != MSR_IA32_SYSENTER_CS &&
	    index != MSR_TSC_AUX &&
	    index != MSR_SYSCALL_MASK && index != MSR_STAR &&
	    (s64)(data << 16) >> 16 != (s64)data)
		return 1;
	*f = data;
	vmx->guest.dirty = true;
	return 0;
}

/* ---- VMCS contents ------------------------------------------------------ */

/* VMX numbers segments ES CS SS DS FS GS LDTR TR; kvmx has TR before LDTR. */
static const u8 vmx_seg_index[KVMX_NR_SREGS] = {
	[KVMX_SREG_ES] = 0, [KVMX_SREG_CS] = 1, [KVMX_SREG_SS] = 2,
	[KVMX_SREG_DS] = 3, [KVMX_SREG_FS] = 4, [KVMX_SREG_GS] = 5,
	[KVMX_SREG_LDTR] = 6, [KVMX_SREG_TR] = 7,
};

/*
 * CR0 and CR4 as the processor runs them: the guest's values (or shadow
 * paging's) with the bits VMX operation fixes.
 */
static u64 hw_cr0(u64 cr0)
{
	/* Caching stays on: the guest's CD/NW only show in the shadow. */
	cr0 &= ~(u64)(X86_CR0_CD | X86_CR0_NW);
	return (cr0 | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1;
}

static u64 hw_cr4(u64 cr4)
{
	return (cr4 | vmx_cfg.cr4_fixed0) & vmx_cfg.cr4_fixed1;
}

/*
 * The guest owns CR0.TS; every other CR0 bit and all of CR4 exit on write.
 * With shadow paging TS exits too: the guest's CR0 lives in mmu/shadow.c.
 */
#define VMX_CR0_GUEST_OWNED	X86_CR0_TS

static u64 cr0_guest_owned(const struct kvmx_vmx_vcpu *vmx)
{
	return vmx->x86.shadow ? 0 : VMX_CR0_GUEST_OWNED;
}

/*
 * Virtual-8086 mode for a real-mode guest (rmode.c): data and code
 * segments as the SDM's checks on guest segments want them (base =
 * selector * 16, limit 0xffff, access rights 0xf3), TR the TSS of
 * vmx_rmode_prepare(), no LDT.
 */
#define VMX_AR_VM86		0xf3
#define VMX_AR_TSS32_BUSY	0x8b

static struct vmx_seg vm86_seg(const struct kvmx_vmx_vcpu *vmx, int i)
{
	const struct vmx_seg *s = &vmx->guest.seg[i];

	switch (i) {
	case KVMX_SREG_TR:
		return (struct vmx_seg){ .base = vmx_rmode_tss_base(vmx),
					 .limit = VMX_RMODE_TSS_LIMIT,
					 .ar = VMX_AR_TSS32_BUSY };
	case KVMX_SREG_LDTR:
		return (struct vmx_seg){ .ar = VMX_AR_UNUSABLE };
	default:
		return (struct vmx_seg){ .selector = s->selector,
					 .base = (u64)s->selector << 4,
					 .limit = 0xffff, .ar = VMX_AR_VM86 };
	}
}

/* Shadow paging: the CR0/CR3/CR4/EFER of kvmx_mmu_load_root(). */
static void write_shadow_cr(struct kvmx_vmx_vcpu *vmx, bool vm86)
{
	const struct kvmx_shadow_hw *hw = &vmx->shadow_hw;
	u64 cr0 = hw->cr0, cr4 = hw->cr4;

	/* Real mode knows no alignment checks; VME redirects INT n. */
	if (vm86) {
		cr0 = (cr0 | X86_CR0_PE) & ~(u64)X86_CR0_AM;
		cr4 |= X86_CR4_VME;
	}
	vmcs_write(GUEST_CR0, hw_cr0(cr0));
	vmcs_write(GUEST_CR3, hw->cr3);
	vmcs_write(GUEST_CR4, hw_cr4(cr4));
	vmcs_write(GUEST_IA32_EFER, hw->efer);
}

static void write_guest_state(struct kvmx_vmx_vcpu *vmx)
{
	struct vmx_guest *g = &vmx->guest;
	bool vm86 = vmx_rmode(vmx);
	u64 efer = vmx->x86.shadow ? vmx->shadow_hw.efer : g->efer;
	u32 entry;
	int i;

	for (i = 0; i < KVMX_NR_SREGS; i++) {
		unsigned int n = 2 * vmx_seg_index[i];
		struct vmx_seg s = vm86 ? vm86_seg(vmx, i) : g->seg[i];

		vmcs_write(GUEST_ES_SELECTOR + n, s.selector);
		vmcs_write(GUEST_ES_LIMIT + n, s.limit);
		vmcs_write(GUEST_ES_AR_BYTES + n, s.ar);
		vmcs_write(GUEST_ES_BASE + n, s.base);
	}
	vmcs_write(GUEST_GDTR_BASE, g->gdtr.base);
	vmcs_write(GUEST_GDTR_LIMIT, g->gdtr.limit);
	vmcs_write(GUEST_IDTR_BASE, g->idtr.base);
	vmcs_write(GUEST_IDTR_LIMIT, g->idtr.limit);
	if (vmx->x86.shadow) {
		write_shadow_cr(vmx, vm86);
	} else {
		vmcs_write(GUEST_CR0, hw_cr0(g->cr0));
		vmcs_write(GUEST_CR3, g->cr3);
		vmcs_write(GUEST_CR4, hw_cr4(g->cr4));
		vmcs_write(GUEST_IA32_EFER, g->efer);
	}
	vmcs_write(CR0_READ_SHADOW, g->cr0);
	vmcs_write(CR4_READ_SHADOW, g->cr4);
	entry = vmx_cfg.entry | (efer & EFER_LMA ? VM_ENTRY_IA32E_MODE : 0);
	if (entry != vmx->entry_ctls) {
		vmcs_write(VM_ENTRY_CONTROLS, entry);
		vmx->entry_ctls = entry;
	}
	/* In virtual-8086 mode at IOPL 3: CLI, STI, PUSHF, POPF, IRET run. */
	vmcs_write(GUEST_RFLAGS, vm86 ? g->rflags | X86_EFLAGS_VM |
					X86_EFLAGS_IOPL : g->rflags);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, g->intr_state);
	if (vmx_pae_paging(vmx))
		for (i = 0; i < 4; i++)
			vmcs_write(GUEST_PDPTR0 + 2 * i, g->pdptr[i]);
	vmcs_write(GUEST_SYSENTER_CS, g->sysenter_cs);
	vmcs_write(GUEST_SYSENTER_ESP, g->sysenter_esp);
	vmcs_write(GUEST_SYSENTER_EIP, g->sysenter_eip);
	vmcs_write(GUEST_IA32_PAT, g->pat);
	g->dirty = false;
}

/* After an exit: everything the guest can change without exiting. */
static void read_guest_state(struct kvmx_vmx_vcpu *vmx)
{
	struct vmx_guest *g = &vmx->guest;
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	bool vm86 = vmx_rmode(vmx);
	u64 rflags;
	int i;

	xv->rip = vmcs_read(GUEST_RIP);
	xv->regs[KVMX_RSP] = vmcs_read(GUEST_RSP);
	rflags = vmcs_read(GUEST_RFLAGS);
	/* Virtual-8086 mode: the guest's IOPL, segments as loaded in real mode. */
	if (vm86)
		rflags = (rflags & ~(u64)(X86_EFLAGS_VM | X86_EFLAGS_IOPL |
					  X86_EFLAGS_VIF | X86_EFLAGS_VIP)) |
			 (g->rflags & X86_EFLAGS_IOPL);
	g->rflags = rflags;
	g->intr_state = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	for (i = 0; i < KVMX_NR_SREGS; i++) {
		unsigned int n = 2 * vmx_seg_index[i];

		if (vm86) {
			/* A real-mode load changes selector and base only. */
			if (i == KVMX_SREG_TR || i == KVMX_SREG_LDTR)
				continue;
			g->seg[i].selector = vmcs_read(GUEST_ES_SELECTOR + n);
			g->seg[i].base = vmcs_read(GUEST_ES_BASE + n);
			continue;
		}
		g->seg[i].selector = vmcs_read(GUEST_ES_SELECTOR + n);
		g->seg[i].limit = vmcs_read(GUEST_ES_LIMIT + n);
		g->seg[i].ar = vmcs_read(GUEST_ES_AR_BYTES + n);
		g->seg[i].base = vmcs_read(GUEST_ES_BASE + n);
	}
	g->gdtr.base = vmcs_read(GUEST_GDTR_BASE);
	g->gdtr.limit = vmcs_read(GUEST_GDTR_LIMIT);
	g->idtr.base = vmcs_read(GUEST_IDTR_BASE);
	g->idtr.limit = vmcs_read(GUEST_IDTR_LIMIT);
	if (!xv->shadow) {
		g->cr0 = (g->cr0 & ~(u64)VMX_CR0_GUEST_OWNED) |
			 (vmcs_read(GUEST_CR0) & VMX_CR0_GUEST_OWNED);
		g->cr3 = vmcs_read(GUEST_CR3);
	}
	if (vmx_pae_paging(vmx))
		for (i = 0; i < 4; i++)
			g->pdptr[i] = vmcs_read(GUEST_PDPTR0 + 2 * i);
	g->sysenter_cs = vmcs_read(GUEST_SYSENTER_CS);
	g->sysenter_esp = vmcs_read(GUEST_SYSENTER_ESP);
	g->sysenter_eip = vmcs_read(GUEST_SYSENTER_EIP);
}

/* Valid, with an error code (the layouts of both information fields). */
static bool event_has_error(u32 info)
{
	u32 bits = INTR_INFO_VALID_MASK | INTR_INFO_DELIVER_CODE_MASK;

	return (info & bits) == bits;
}

static void read_exit_info(struct kvmx_vmx_vcpu *vmx)
{
	struct vmx_exit *e = &vmx->exit;

	e->reason = vmcs_read(VM_EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e->intr_info = vmcs_read(VM_EXIT_INTR_INFO);
	e->idt_info = vmcs_read(IDT_VECTORING_INFO_FIELD);
	/* Each error code is defined only when its event has one. */
	e->intr_error = event_has_error(e->intr_info) ?
			vmcs_read(VM_EXIT_INTR_ERROR_CODE) : 0;
	e->idt_error = event_has_error(e->idt_info) ?
		       vmcs_read(IDT_VECTORING_ERROR_CODE) : 0;
	if ((u16)e->reason == EXIT_REASON_IO_INSTRUCTION)
		e->insn_info = vmcs_read(VMX_INSTRUCTION_INFO);
	if ((u16)e->reason == EXIT_REASON_EPT_VIOLATION ||
	    (u16)e->reason == EXIT_REASON_EPT_MISCONFIG)
		e->gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
}

/*
 * Primary controls without the windows: with shadow paging, MOV to and
 * from CR3 and INVLPG exit too (mmu/shadow.c keeps the guest's CR3 and
 * its translations).
 */
static u32 base_proc_ctls(const struct kvmx_vmx_vcpu *vmx)
{
	if (vmx->x86.shadow)
		return vmx_cfg.proc | CPU_BASED_CR3_LOAD_EXITING |
		       CPU_BASED_CR3_STORE_EXITING | CPU_BASED_INVLPG_EXITING;
	return vmx_cfg.proc;
}

/* Controls and constant host state: once, at the first load. */
static void setup_vmcs(struct kvmx_vmx_vcpu *vmx)
{
	u64 eptp = kvmx_mmu_nested_root(kvmx_vm_mmu(vmx->x86.vcpu->vm)) |
		   EPTP_MT_WB | EPTP_WALK_4;
	u32 proc2 = vmx_cfg.proc2;
	u64 msr;

	/* VPID 0 is the host's: a vCPU without one of its own runs untagged. */
	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	/* Unrestricted guest needs EPT; a shadow-paged vCPU has neither. */
	if (vmx->x86.shadow)
		proc2 &= ~(SECONDARY_EXEC_ENABLE_EPT |
			   SECONDARY_EXEC_UNRESTRICTED_GUEST);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_cfg.pin);
	vmx->proc_ctls = base_proc_ctls(vmx);
	vmx->want_proc_ctls = vmx->proc_ctls;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx->proc_ctls);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write(VM_EXIT_CONTROLS, vmx_cfg.exit);
	vmx->entry_ctls = vmx_cfg.entry;
	vmcs_write(VM_ENTRY_CONTROLS, vmx->entry_ctls);
	/* Written by write_event_state() before the first entry. */
	vmx->exc_bitmap_hw = ~0U;
	vmcs_write(EXCEPTION_BITMAP, vmx->exc_bitmap_hw);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, ~cr0_guest_owned(vmx));
	vmcs_write(CR4_GUEST_HOST_MASK, ~0ULL);
	vmcs_write(MSR_BITMAP, __pa(vmx->msr_bitmap));
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, __pa(vmx->guest_msrs));
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, vmx_cfg.nr_autoload);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, __pa(vmx->guest_msrs));
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, vmx_cfg.nr_autoload);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, __pa(vmx->host_msrs));
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, vmx_cfg.nr_autoload);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (proc2 & SECONDARY_EXEC_ENABLE_EPT)
		vmcs_write(EPT_POINTER, eptp);
	if (vmx_cfg.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write(PLE_GAP, VMX_PLE_GAP);
		vmcs_write(PLE_WINDOW, VMX_PLE_WINDOW);
	}
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);

	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_DR7, VMX_DR7_FIXED_1);

	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	/* Null DS/ES/FS/GS; vmx_run() restores the task's selectors. */
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_write(HOST_RIP, (unsigned long)kvmx_vmx_vmexit);
	rdmsrl(MSR_EFER, msr);
	vmcs_write(HOST_IA32_EFER, msr);
	rdmsrl(MSR_IA32_CR_PAT, msr);
	vmcs_write(HOST_IA32_PAT, msr);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write(HOST_IA32_SYSENTER_CS, msr);
	vmx->host_cr3 = 0;
	vmx->host_cr4 = 0;
	vmcs_write(TSC_OFFSET, vmx->x86.tsc_offset);
	vmx->tsc_offset_hw = vmx->x86.tsc_offset;
	vmx->guest.dirty = true;
	vmx->initialized = true;
}

/* Host state that differs per CPU: after each move to a new CPU. */
static void write_host_cpu_state(struct kvmx_vmx_vcpu *vmx, int cpu)
{
	struct desc_ptr idt;
	u64 msr;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_write(HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_write(HOST_IA32_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_write(HOST_IA32_SYSENTER_EIP, msr);
	vmcs_write(HOST_CR0, read_cr0());
	/* Linux keeps the CPU number in TSC_AUX: it differs per CPU. */
	if (vmx_cfg.nr_autoload > VMX_AUTO_TSC_AUX)
		rdmsrl(MSR_TSC_AUX, vmx->host_msrs[VMX_AUTO_TSC_AUX].value);
}

/*
 * The vCPU moved to this CPU (or runs for the first time): VMCLEAR it on
 * the old one, load it here, and redo what is per CPU.  Preemption
 * disabled, interrupts enabled (the VMCLEAR on the old CPU is an IPI).
 */
static noinline void vmx_vcpu_migrate(struct kvmx_vmx_vcpu *vmx, int old,
				      int cpu)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	unsigned long flags;

	if (old >= 0)
		smp_call_function_single(old, vmclear_local, vmx, 1);
	/* Pairs with vmclear_local(): the VMCLEAR is done before cpu = -1. */
	smp_rmb();

	local_irq_save(flags);
	/* A fresh VMCS region is VMCLEARed once to set its launch state. */
	if (!vmx->initialized)
		vmcs_clear(vmx->vmcs_pa);
	vmcs_load(vmx->vmcs_pa);
	list_add(&vmx->loaded_link, &vc->loaded);
	WRITE_ONCE(vmx->cpu, cpu);
	vc->current_vcpu = vmx;
	local_irq_restore(flags);

	vmx->launched = false;
	if (!vmx->initialized)
		setup_vmcs(vmx);
	write_host_cpu_state(vmx, cpu);
	/* This CPU may hold stale translations of an earlier stay. */
	vmx->flush_tlb = true;
	vmx->flush_ept = true;
	vmx->x86.l1d_flush = true;
}

/*
 * Make the vCPU's VMCS current on this CPU (the vcpu_load op), preemption
 * disabled.  Inlined into the entry sequence: on every entry but the
 * first after a move it is a comparison or two.
 */
static __always_inline void vmx_vcpu_load(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();
	int old = READ_ONCE(vmx->cpu);

	if (unlikely(old != cpu)) {
		vmx_vcpu_migrate(vmx, old, cpu);
		return;
	}
	if (vc->current_vcpu != vmx) {
		vmcs_load(vmx->vmcs_pa);
		vc->current_vcpu = vmx;
	}
}

/* KVMX_REQ_TLB_FLUSH: the TDP (or shadow) tables lost mappings. */
static void vmx_flush_tlb_tdp(struct kvmx_x86_vcpu *xv)
{
	to_vmx(xv)->flush_ept = true;
}

/* KVMX_REQ_TLB_FLUSH_GUEST: the guest's linear translations are stale. */
static void vmx_flush_tlb_guest(struct kvmx_x86_vcpu *xv)
{
	to_vmx(xv)->flush_tlb = true;
}

/* Before entry: the flushes the requests and the vCPU's moves asked for. */
static void vmx_flush_tlb(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vmx->x86.vcpu->vm);

	if (vmx->flush_ept) {
		vmx->flush_ept = false;
		if (vmx->x86.shadow) {
			/* The host's changes are in the VPID's translations. */
			vmx->flush_tlb = true;
		} else {
			ept_flush(VMX_EPT_EXTENT_CONTEXT,
				  kvmx_mmu_nested_root(mmu) | EPTP_MT_WB | EPTP_WALK_4);
			vmx->flush_tlb = false;	/* also dropped the linear mappings */
		}
	}
	if (vmx->flush_tlb) {
		vmx->flush_tlb = false;
		if (vmx->vpid)
			vpid_flush(VMX_VPID_EXTENT_SINGLE_CONTEXT, vmx->vpid);
	}
}

/* Event injection ops: what to inject is decided by x86/irq.c. */
static const u32 event_types[] = {
	[KVMX_EVENT_EXCEPTION]	= INTR_TYPE_HARD_EXCEPTION,
	[KVMX_EVENT_NMI]	= INTR_TYPE_NMI_INTR,
	[KVMX_EVENT_INTR]	= INTR_TYPE_EXT_INTR,
};

static void vmx_inject_event(struct kvmx_x86_vcpu *xv,
			     enum kvmx_event_type type, u8 vector,
			     bool has_error, u32 error_code)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	kvmx_trace_inject(xv, type, vector, has_error, error_code);
	/*
	 * Real mode in virtual-8086 mode: delivered through the IVT by
	 * rmode.c (the rmode_event op), with interrupts enabled.
	 */
	if (vmx_rmode(vmx)) {
		xv->soft_event.pending = true;
		xv->soft_event.vector = vector;
		return;
	}
	vmx->entry_info = vector | event_types[type] | INTR_INFO_VALID_MASK;
	/* Real mode delivers no error code (and VM entry refuses one). */
	if (has_error && (vmx->guest.cr0 & X86_CR0_PE)) {
		vmx->entry_info |= INTR_INFO_DELIVER_CODE_MASK;
		vmx->entry_error = error_code;
	}
}

#define VMX_INTR_SHADOW	(VMX_INTR_BLOCK_STI | VMX_INTR_BLOCK_MOV_SS)

static bool vmx_interrupt_allowed(struct kvmx_x86_vcpu *xv)
{
	const struct vmx_guest *g = &to_vmx(xv)->guest;

	return (g->rflags & X86_EFLAGS_IF) && !(g->intr_state & VMX_INTR_SHADOW);
}

static bool vmx_nmi_allowed(struct kvmx_x86_vcpu *xv)
{
	return !(to_vmx(xv)->guest.intr_state &
		 (VMX_INTR_SHADOW | VMX_INTR_BLOCK_NMI));
}

/*
 * Interrupt-window exiting exits as soon as the guest is interruptible,
 * NMI-window exiting once virtual-NMI blocking ends (the guest's IRET).
 */
static void vmx_enable_window(struct kvmx_x86_vcpu *xv, bool irq, bool nmi)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	u32 proc = base_proc_ctls(vmx);

	if (irq)
		proc |= CPU_BASED_INTR_WINDOW_EXITING;
	if (nmi)
		proc |= CPU_BASED_NMI_WINDOW_EXITING;
	vmx->want_proc_ctls = proc;
}

static u32 vmx_get_interrupt_shadow(struct kvmx_x86_vcpu *xv)
{
	u32 state = to_vmx(xv)->guest.intr_state;

	return (state & VMX_INTR_BLOCK_STI ? KVM_X86_SHADOW_INT_STI : 0) |
	       (state & VMX_INTR_BLOCK_MOV_SS ? KVM_X86_SHADOW_INT_MOV_SS : 0);
}

static void vmx_set_interrupt_shadow(struct kvmx_x86_vcpu *xv, u32 shadow)
{
	struct vmx_guest *g = &to_vmx(xv)->guest;

	g->intr_state &= ~VMX_INTR_SHADOW;
	if (shadow & KVM_X86_SHADOW_INT_STI)
		g->intr_state |= VMX_INTR_BLOCK_STI;
	if (shadow & KVM_X86_SHADOW_INT_MOV_SS)
		g->intr_state |= VMX_INTR_BLOCK_MOV_SS;
	g->dirty = true;
}

static bool vmx_get_nmi_mask(struct kvmx_x86_vcpu *xv)
{
	return to_vmx(xv)->guest.intr_state & VMX_INTR_BLOCK_NMI;
}

/* Virtual-NMI blocking: set by NMI delivery, cleared by the guest's IRET. */
static void vmx_set_nmi_mask(struct kvmx_x86_vcpu *xv, bool masked)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	struct vmx_guest *g = &vmx->guest;

	/*
	 * An NMI injected by this entry blocks when delivered; entering with
	 * the blocking bit already set would fail ("Checks on Guest
	 * Non-Register State").
	 */
	if (masked && (vmx->entry_info & INTR_INFO_VALID_MASK) &&
	    (vmx->entry_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return;
	if (masked)
		g->intr_state |= VMX_INTR_BLOCK_NMI;
	else
		g->intr_state &= ~VMX_INTR_BLOCK_NMI;
	g->dirty = true;
}

/* An event cut short by the exit is delivered again on the next entry. */
static void vmx_requeue_event(struct kvmx_vmx_vcpu *vmx)
{
	u32 info = vmx->exit.idt_info;
	u8 vector = info & VECTORING_INFO_VECTOR_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	switch (info & VECTORING_INFO_TYPE_MASK) {
	case INTR_TYPE_HARD_EXCEPTION:
		kvmx_requeue_event(&vmx->x86, KVMX_EVENT_EXCEPTION, vector,
				   info & VECTORING_INFO_DELIVER_CODE_MASK,
				   vmx->exit.idt_error);
		break;
	case INTR_TYPE_NMI_INTR:
		kvmx_requeue_event(&vmx->x86, KVMX_EVENT_NMI, vector, false, 0);
		break;
	case INTR_TYPE_EXT_INTR:
		kvmx_requeue_event(&vmx->x86, KVMX_EVENT_INTR, vector, false, 0);
		break;
	default:
		/*
		 * Software interrupts and exceptions re-execute: RIP still
		 * points at INT n / INT3 / INTO.
		 */
		break;
	}
}

/*
 * Write what kvmx_inject_pending_event() decided for this entry, and the
 * intercepts that follow the debug state: MOV DR exits unless the guest
 * owns its debug registers until the next exit, #BP while userspace plants
 * software breakpoints.
 */
static void write_event_state(struct kvmx_vmx_vcpu *vmx)
{
	u32 proc = vmx->want_proc_ctls, exc_bitmap = vmx->exc_bitmap;

	/*
	 * Shadow paging sees every #PF; virtual-8086 mode every exception,
	 * which rmode.c emulates or delivers through the real-mode IVT.
	 */
	if (vmx->x86.shadow)
		exc_bitmap |= BIT(X86_TRAP_PF);
	if (vmx_rmode(vmx))
		exc_bitmap = ~0U;

	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vmx->entry_info);
	if (vmx->entry_info & INTR_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmx->entry_error);
	if (vmx->x86.dr_passthrough)
		proc &= ~CPU_BASED_MOV_DR_EXITING;
	if (proc != vmx->proc_ctls) {
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
		vmx->proc_ctls = proc;
	}
	if (exc_bitmap != vmx->exc_bitmap_hw) {
		vmcs_write(EXCEPTION_BITMAP, exc_bitmap);
		vmx->exc_bitmap_hw = exc_bitmap;
	}
	if (vmx->clear_pending_step) {
		vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
			   vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) & ~DR_STEP);
		vmx->clear_pending_step = false;
	}
}

static void vmx_update_exception_intercepts(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	vmx->exc_bitmap = VMX_EXCEPTION_BITMAP;
	if (xv->guest_debug & KVM_GUESTDBG_USE_SW_BP)
		vmx->exc_bitmap |= BIT(X86_TRAP_BP);
}

/*
 * The debug registers around the world switch (module/x86/debug.c), with
 * interrupts disabled; kvmx_load_guest_debug() does DR0-DR3.  DR7 goes
 * through the guest state (the debug-controls entry and exit controls),
 * DR6, while the guest owns it, in hardware (VMX does not switch DR6).
 */
static void load_guest_debug(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;

	vmcs_write(GUEST_DR7, kvmx_dr7_for_entry(xv));
	if (xv->dr_passthrough)
		set_debugreg(kvmx_dr6_for_entry(xv), 6);
}

static void save_guest_debug(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;

	if (xv->dr_passthrough) {
		xv->dr7 = vmcs_read(GUEST_DR7);
		get_debugreg(xv->dr6, 6);
	}
}

/* Host segment and descriptor state a VM exit does not restore. */
struct vmx_host_segs {
	u16 ds, es, fs, gs, ldt;
	u64 fs_base, kernel_gs_base, debugctl;
};

static void save_host_segs(struct kvmx_vmx_vcpu *vmx, struct vmx_host_segs *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g"(h->ldt));
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	h->debugctl = get_debugctlmsr();
	vmcs_write(HOST_FS_BASE, h->fs_base);
	vmx->host_msrs[VMX_AUTO_KERNEL_GS_BASE].value = h->kernel_gs_base;
}

static void restore_host_segs(const struct vmx_host_segs *h)
{
	/* A VM exit loads null DS/ES/FS/GS and LDTR, and a 0x67 TR limit. */
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs) {
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
	if (h->ldt)
		asm volatile("lldt %0" : : "rm"(h->ldt));
	/* The exit also sets the GDT limit to 0xffff: reload the real one. */
	load_fixmap_gdt(raw_smp_processor_id());
	invalidate_tss_limit();
	/*
	 * DEBUGCTL is cleared by the exit; DR7, which the exit disarms, is
	 * kvmx_load_guest_debug()'s.
	 */
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
}

/* Host CR3/CR4 change with the task and with PCID/TLB state: check each time. */
static void write_host_cr(struct kvmx_vmx_vcpu *vmx)
{
	u64 cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (cr3 != vmx->host_cr3) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (cr4 != vmx->host_cr4) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/* Shadow paging, before kvmx_mmu_load_root(): real mode's TSS (may sleep). */
static int vmx_shadow_prepare(struct kvmx_x86_vcpu *xv)
{
	return vmx_rmode_prepare(to_vmx(xv));
}

/* Shadow paging: the registers of this entry (xv->shadow_hw). */
static void load_shadow_hw(struct kvmx_vmx_vcpu *vmx)
{
	const struct kvmx_shadow_hw *hw = &vmx->x86.shadow_hw;
	struct kvmx_shadow_hw *old = &vmx->shadow_hw;

	if (hw->cr0 != old->cr0 || hw->cr3 != old->cr3 ||
	    hw->cr4 != old->cr4 || hw->efer != old->efer) {
		*old = *hw;
		vmx->guest.dirty = true;
	}
}

static void vmx_clear_event(struct kvmx_x86_vcpu *xv)
{
	to_vmx(xv)->entry_info = 0;
}

/* Real mode: the event inject_event left, through the guest's IVT. */
static void vmx_rmode_event(struct kvmx_x86_vcpu *xv, u8 vector)
{
	vmx_rmode_deliver(to_vmx(xv), vector, xv->rip);
}

/*
 * The world switch (kvmx_enter_guest() did the rest), interrupts disabled:
 * the VMCS from the register cache, the TLB and L1D flushes, the host
 * segments a VM exit does not restore, VMLAUNCH/VMRESUME.
 */
static __always_inline void vmx_run(struct kvmx_x86_vcpu *xv, bool flush_l1d)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	struct vmx_host_segs host;

	if (xv->shadow)
		load_shadow_hw(vmx);
	if (vmx->guest.dirty)
		write_guest_state(vmx);
	vmcs_write(GUEST_RIP, xv->rip);
	vmcs_write(GUEST_RSP, xv->regs[KVMX_RSP]);
	if (xv->tsc_offset != vmx->tsc_offset_hw) {
		vmcs_write(TSC_OFFSET, xv->tsc_offset);
		vmx->tsc_offset_hw = xv->tsc_offset;
	}
	write_event_state(vmx);
	write_host_cr(vmx);
	vmx_flush_tlb(vmx);
	load_guest_debug(vmx);
	save_host_segs(vmx, &host);
	vmx_l1d_flush(flush_l1d);

	vmx->entry_failed = kvmx_vmx_vmenter(xv->regs, &vmx->regs_cr2,
					     vmx->launched);

	restore_host_segs(&host);
	save_guest_debug(vmx);
}

/*
 * After the host's debug registers and XCR0 are back, interrupts still
 * disabled: the exit information, and the NMI that caused the exit.
 */
static __always_inline void vmx_handle_exit_irqoff(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	if (vmx->entry_failed) {
		vmx->exit.reason = 0;
		vmx->exit.insn_error = vmcs_read(VM_INSTRUCTION_ERROR);
		vmx_dump_vmcs(vmx);
		return;
	}
	read_exit_info(vmx);
	read_guest_state(vmx);
	if (!(vmx->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vmx->launched = true;
	else
		vmx_dump_vmcs(vmx);
	vmx_handle_nmi_irqoff(vmx);
}

static __always_inline int vmx_handle_exit(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);

	/* The kind is the basic exit reason's (SDM "Basic VM-Exit Information"). */
	kvmx_stat_exit(xv, KVMX_ISA_VMX, vmx_exit_kind(vmx->exit.reason & 0xffff),
		       vmx->exit.reason, vmx->exit.qual, vmx->exit.idt_info,
		       vmx->exit.intr_info, vmx->exit.intr_error);
	if (vmx->entry_failed)
		return vmx_fail_entry(vmx, vmx->exit.insn_error);
	vmx_requeue_event(vmx);
	return vmx_dispatch_exit(vmx);
}

static int vmx_enter_guest(struct kvmx_x86_vcpu *xv);

const struct kvmx_x86_ops kvmx_vmx_ops = {
	.name			= "Intel VMX",
	.probe			= vmx_probe,
	.hardware_setup		= vmx_hardware_setup,
	.hardware_unsetup	= vmx_hardware_unsetup,
	.hw_enable_cpu		= vmx_hw_enable_cpu,
	.hw_disable_cpu		= vmx_hw_disable_cpu,
	.tdp_format		= &ept_format,
	.nested_paging		= &ept,
	.tss_addr_max		= 0xffffd000,	/* three pages below 4 GiB, as kvm-intel */
	.shadow_paging		= true,
	.tpr_patching		= false,	/* as kvm-intel with flexpriority */
	.mcg_cap_extra		= MCG_CMCI_P,
	.mcg_cap_kept		= ~0ULL,
	.private_page		= vmx_private_page,
	.vcpu_alloc		= vmx_vcpu_alloc,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_free		= vmx_vcpu_free,
	.get_segment		= vmx_get_segment,
	.get_segment_base	= vmx_get_segment_base,
	.set_segment		= vmx_set_segment,
	.get_dtable		= vmx_get_dtable,
	.set_dtable		= vmx_set_dtable,
	.get_cr			= vmx_get_cr,
	.set_cr			= vmx_set_cr,
	.set_efer		= vmx_set_efer,
	.get_rflags		= vmx_get_rflags,
	.set_rflags		= vmx_set_rflags,
	.get_cpl		= vmx_get_cpl,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.shadow_prepare		= vmx_shadow_prepare,
	.vcpu_load		= vmx_vcpu_load,
	.clear_event		= vmx_clear_event,
	.rmode_event		= vmx_rmode_event,
	.enter_guest		= vmx_enter_guest,
	.run			= vmx_run,
	.handle_exit_irqoff	= vmx_handle_exit_irqoff,
	.handle_exit		= vmx_handle_exit,
	.flush_tlb		= vmx_flush_tlb_tdp,
	.flush_tlb_guest	= vmx_flush_tlb_guest,
	.l1d_flush		= true,
	.skip_insn		= vmx_skip_insn,
	.interrupt_allowed	= vmx_interrupt_allowed,
	.nmi_allowed		= vmx_nmi_allowed,
	.inject_event		= vmx_inject_event,
	.enable_window		= vmx_enable_window,
	.get_interrupt_shadow	= vmx_get_interrupt_shadow,
	.set_interrupt_shadow	= vmx_set_interrupt_shadow,
	.update_exception_intercepts = vmx_update_exception_intercepts,
	.msr_filter_changed	= vmx_msr_filter_changed,
	.get_nmi_mask		= vmx_get_nmi_mask,
	.set_nmi_mask		= vmx_set_nmi_mask,
};

/* The entry sequence with this backend's hooks as direct calls. */
static int vmx_enter_guest(struct kvmx_x86_vcpu *xv)
{
	return kvmx_enter_guest(xv, &kvmx_vmx_ops);
}
