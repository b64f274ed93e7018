// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 layer: backend selection, capabilities, the x86 ioctls and the
 * KVM_RUN loop.  Everything vendor-specific goes through kvmx_x86.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <linux/kvmx.h>

#include "kvmx_arch.h"
#include "kvmx_compat.h"
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

const struct kvmx_x86_ops *kvmx_x86;
u64 kvmx_host_xcr0;

/* Backends in probe order; the first whose probe succeeds is used. */
static const struct kvmx_x86_ops *const backends[] = {
	&kvmx_svm_ops,
	&kvmx_vmx_ops,
};

int kvmx_arch_init(void)
{
	int i, r = -EOPNOTSUPP;

	if (boot_cpu_has(X86_FEATURE_XSAVE))
		kvmx_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		r = backends[i]->probe();
		if (r == -ENODEV)
			continue;	/* not this vendor's CPU */
		if (r)
			return r;	/* this vendor, but unusable: said why */
		kvmx_x86 = backends[i];
		r = kvmx_mmu_check_backend();
		if (r)
			return r;
		r = kvmx_x86->hardware_setup();
		if (r)
			return r;
		pr_info("using %s\n", kvmx_x86->name);
		return 0;
	}
	pr_err("CPU has neither VMX nor SVM\n");
	return -EOPNOTSUPP;
}

void kvmx_arch_exit(void)
{
	kvmx_x86->hardware_unsetup();
	/* MSR filters replaced while VMs ran are freed by RCU callbacks. */
	rcu_barrier();
}

int kvmx_arch_hw_enable_cpu(void)
{
	kvmx_entry_hw_enable_cpu();
	return kvmx_x86->hw_enable_cpu();
}

void kvmx_arch_hw_disable_cpu(void)
{
	kvmx_x86->hw_disable_cpu();
}

long kvmx_arch_check_extension(struct kvmx_vm *vm, long ext)
{
	long r;

	switch (ext) {
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_XSAVE:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_NOP_IO_DELAY:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_DEBUGREGS:
		return 1;
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_HLT:
	case KVM_CAP_DISABLE_QUIRKS:
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
	case KVM_CAP_VCPU_ATTRIBUTES:
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:
		return 1;
	case KVM_CAP_ENABLE_CAP:			/* on the vCPU */
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:	/* x86/pv.c */
		return 1;
	case KVM_CAP_DISABLE_QUIRKS2:
		return kvmx_quirks_supported();
	case KVM_CAP_XCRS:
		/* XCR0 exists only where the host kernel uses XSAVE, as in kvm. */
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
		return kvmx_msr_filter_offered();
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_SET_GUEST_DEBUG:
		return !!kvmx_x86->update_exception_intercepts;
	case KVMX_CAP_SHADOW_PAGING:
		return kvmx_x86->shadow_paging;
	case KVM_CAP_MCE:
		return KVMX_MCE_BANKS;
	case KVM_CAP_VAPIC:
		return kvmx_x86->tpr_patching;
	default:
		r = kvmx_clock_check_extension(ext);
		return r != -ENOENT ? r : kvmx_irqchip_check_extension(ext);
	}
}

long kvmx_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return kvmx_get_supported_cpuid(argp);
	case KVM_GET_MSR_INDEX_LIST:
		return kvmx_get_msr_index_list(argp, false);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return kvmx_get_msr_index_list(argp, true);
	case KVM_GET_MSRS:
		return kvmx_get_msr_feature(argp);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return put_user(kvmx_mce_cap_supported(), (u64 __user *)argp);
	default:
		return -ENOTTY;
	}
}

long kvmx_arch_vm_enable_cap(struct kvmx_vm *vm, const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_MSR_PLATFORM_INFO:
		/* Whether the guest may read MSR_PLATFORM_INFO (else #GP). */
		WRITE_ONCE(to_x86_vm(vm)->platform_info_readable, !!cap->args[0]);
		return 0;
	case KVM_CAP_SPLIT_IRQCHIP:
		return kvmx_irqchip_enable_split(vm, cap->args[0]);
	case KVM_CAP_X86_USER_SPACE_MSR:
		return kvmx_msr_enable_user_exits(vm, cap->args[0]);
	case KVMX_CAP_SHADOW_PAGING:
		return kvmx_mmu_enable_shadow(vm, cap->args[0]);
	case KVM_CAP_DISABLE_QUIRKS:
	case KVM_CAP_DISABLE_QUIRKS2:
		return kvmx_disable_quirks(vm, cap);
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		WRITE_ONCE(to_x86_vm(vm)->triple_fault_event, !!cap->args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

int kvmx_arch_vm_init(struct kvmx_vm *vm)
{
	struct kvmx_x86_vm *xvm;
	int r;

	xvm = kzalloc(sizeof(*xvm), GFP_KERNEL_ACCOUNT);
	if (!xvm)
		return -ENOMEM;
	xvm->vm = vm;
	xvm->platform_info_readable = true;
	vm->arch = xvm;
	r = kvmx_mmu_init(vm);
	if (r)
		goto err_free;
	kvmx_clock_vm_init(vm);
	r = kvmx_irqchip_vm_init(vm);
	if (r)
		goto err_mmu;
	return 0;

err_mmu:
	kvmx_mmu_destroy(vm);
err_free:
	kfree(xvm);
	vm->arch = NULL;
	return r;
}

void kvmx_arch_vm_destroy(struct kvmx_vm *vm)
{
	kvmx_irqchip_vm_destroy(vm);
	kvmx_msr_filter_destroy(vm);
	kvmx_mmu_destroy(vm);
	kfree(vm->arch);
}

long kvmx_arch_vm_ioctl(struct kvmx_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);
	u64 addr;

	switch (ioctl) {
	case KVM_SET_TSS_ADDR:
		if (arg > kvmx_x86->tss_addr_max)
			return -EINVAL;
		xvm->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		if (copy_from_user(&addr, (void __user *)arg, sizeof(addr)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		/* kvm refuses a change once vCPUs exist. */
		if (vm->nr_vcpus) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
		xvm->identity_map_addr = addr;
		xvm->identity_map_set = true;
		mutex_unlock(&vm->lock);
		return 0;
	case KVM_X86_SET_MSR_FILTER:
		return kvmx_set_msr_filter(vm, (void __user *)arg);
	case KVM_GET_CLOCK:
		return kvmx_get_clock(vm, (void __user *)arg);
	case KVM_SET_CLOCK:
		return kvmx_set_clock(vm, (void __user *)arg);
	case KVM_SET_NR_MMU_PAGES:
		return kvmx_mmu_set_nr_pages(vm, arg);
	case KVM_GET_NR_MMU_PAGES:
		return kvmx_mmu_get_nr_pages(vm);
	default:
		return kvmx_irqchip_vm_ioctl(vm, ioctl, arg);
	}
}

int kvmx_arch_vcpu_create(struct kvmx_vcpu *vcpu)
{
	struct kvmx_x86_vcpu *xv;
	int r;

	xv = kvmx_x86->vcpu_alloc();
	if (!xv)
		return -ENOMEM;
	xv->vcpu = vcpu;
	xv->tsc_khz = tsc_khz;
	xv->emul_vendor = kvmx_emul_vendor(xv);	/* the host's, until CPUID */
	kvmx_mce_vcpu_init(xv);
	kvmx_pv_vcpu_create(xv);
	vcpu->arch = xv;
	if (!fpu_alloc_guest_fpstate(&xv->guest_fpu)) {
		r = -ENOMEM;
		goto err_free;
	}
	r = kvmx_mmu_vcpu_init(xv);
	if (r)
		goto err_fpu;
	r = kvmx_x86->vcpu_create(xv);
	if (r)
		goto err_mmu;
	kvmx_vcpu_reset(xv);
	r = kvmx_irqchip_vcpu_create(xv);
	if (r)
		goto err_vcpu;
	/* Follow the VM's MSR filter from the first entry. */
	kvmx_make_request(KVMX_REQ_MSR_FILTER, vcpu);
	return 0;

err_vcpu:
	kvmx_x86->vcpu_free(xv);
err_mmu:
	kvmx_mmu_vcpu_free(xv);
err_fpu:
	fpu_free_guest_fpstate(&xv->guest_fpu);
err_free:
	kvmx_pv_vcpu_destroy(xv);
	kfree(xv);
	vcpu->arch = NULL;
	return r;
}

void kvmx_arch_vcpu_destroy(struct kvmx_vcpu *vcpu)
{
	struct kvmx_x86_vcpu *xv = to_x86(vcpu);

	kvmx_irqchip_vcpu_destroy(xv);
	kvmx_entry_vcpu_destroy(xv);
	kvmx_x86->vcpu_free(xv);
	kvmx_mmu_vcpu_free(xv);
	fpu_free_guest_fpstate(&xv->guest_fpu);
	kvmx_pv_vcpu_destroy(xv);
	kvfree(xv->cpuid);
	kfree(xv);
}

/* KVM_ENABLE_CAP on a vCPU fd. */
static long vcpu_enable_cap(struct kvmx_x86_vcpu *xv,
			    struct kvm_enable_cap __user *u)
{
	struct kvm_enable_cap cap;
	long r = kvmx_get_enable_cap(&cap, u);

	if (r)
		return r;
	switch (cap.cap) {
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		kvmx_pv_set_enforce(xv, cap.args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

long kvmx_arch_vcpu_ioctl(struct kvmx_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg)
{
	struct kvmx_x86_vcpu *xv = to_x86(vcpu);
	void __user *argp = (void __user *)arg;
	long r;

	r = kvmx_irqchip_vcpu_ioctl(xv, ioctl, argp);
	if (r != -ENOTTY)
		return r;
	switch (ioctl) {
	case KVM_SET_CPUID2:
		return kvmx_set_cpuid2(xv, argp);
	case KVM_GET_CPUID2:
		return kvmx_get_cpuid2(xv, argp);
	case KVM_GET_MSRS:
		return kvmx_msrs_ioctl(xv, argp, false);
	case KVM_SET_MSRS:
		return kvmx_msrs_ioctl(xv, argp, true);
	case KVM_INTERRUPT:
		return kvmx_interrupt_ioctl(xv, argp);
	case KVM_NMI:
		return kvmx_nmi_ioctl(xv);
	case KVM_GET_DEBUGREGS:
		return kvmx_get_debugregs(xv, argp);
	case KVM_SET_DEBUGREGS:
		return kvmx_set_debugregs(xv, argp);
	case KVM_SET_GUEST_DEBUG:
		return kvmx_set_guest_debug(xv, argp);
	case KVM_GET_TSC_KHZ:
		return xv->tsc_khz;
	case KVM_SET_TSC_KHZ:
		return kvmx_set_tsc_khz(xv, arg);
	case KVM_GET_VCPU_EVENTS:
		return kvmx_get_vcpu_events(xv, argp);
	case KVM_SET_VCPU_EVENTS:
		return kvmx_set_vcpu_events(xv, argp);
	case KVM_X86_SETUP_MCE:
	case KVM_X86_SET_MCE:
		return kvmx_mce_vcpu_ioctl(xv, ioctl, argp);
	case KVM_SET_VAPIC_ADDR:
		return kvmx_lapic_set_vapic_addr(xv, argp);
	case KVM_ENABLE_CAP:
		return vcpu_enable_cap(xv, argp);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return kvmx_vcpu_device_attr(xv, ioctl, argp);
	default:
		return kvmx_regs_ioctl(xv, ioctl, argp);
	}
}
