// SPDX-License-Identifier: GPL-2.0
/*
 * Time: the guest TSC rate (KVM_GET/SET_TSC_KHZ) and the VM clock
 * (KVM_GET/SET_CLOCK).
 *
 * kvmx does not scale the TSC: the guest's advances at the host's rate, so
 * KVM_SET_TSC_KHZ accepts that rate (within kvm's 250 ppm tolerance, 0
 * meaning the host's) and refuses others, and KVM_CAP_TSC_CONTROL is not
 * offered.
 *
 * The VM clock is what kvm calls the kvmclock base: nanoseconds of host
 * boot time plus a per-VM offset that KVM_SET_CLOCK moves.  kvmx does not
 * offer the kvmclock paravirtual clock to guests, so the guest never reads
 * it; userspace still saves and restores it as it does with kvm.  As kvm
 * does when it has no master clock, KVM_GET_CLOCK returns the clock alone
 * (no KVM_CLOCK_TSC_STABLE, REALTIME or HOST_TSC).
 */
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "kvmx_x86.h"

#define KVMX_TSC_TOLERANCE_PPM	250

#define KVMX_CLOCK_VALID_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
				 KVM_CLOCK_HOST_TSC)

long kvmx_clock_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_GET_TSC_KHZ:
		return 1;
	case KVM_CAP_ADJUST_CLOCK:
		return KVMX_CLOCK_VALID_FLAGS;
	default:
		return -ENOENT;
	}
}

/* KVM_SET_TSC_KHZ: 0 on success, -EINVAL for a rate kvmx cannot give. */
long kvmx_set_tsc_khz(struct kvmx_x86_vcpu *xv, unsigned long khz)
{
	u64 slack = div_u64((u64)tsc_khz * KVMX_TSC_TOLERANCE_PPM, 1000000);

	if (!khz)
		khz = tsc_khz;
	if (!tsc_khz || khz < tsc_khz - slack || khz > tsc_khz + slack)
		return -EINVAL;
	xv->tsc_khz = khz;
	return 0;
}

long kvmx_get_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u)
{
	struct kvm_clock_data data = {};

	data.clock = ktime_get_boottime_ns() +
		     atomic64_read(&to_x86_vm(vm)->clock_offset);
	return copy_to_user(u, &data, sizeof(data)) ? -EFAULT : 0;
}

long kvmx_set_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u)
{
	struct kvm_clock_data data;
	u64 now_real;

	if (copy_from_user(&data, u, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~KVMX_CLOCK_VALID_FLAGS)
		return -EINVAL;
	/* With REALTIME, the clock moves on by the wall time since then. */
	if (data.flags & KVM_CLOCK_REALTIME) {
		now_real = ktime_get_real_ns();
		if (now_real > data.realtime)
			data.clock += now_real - data.realtime;
	}
	atomic64_set(&to_x86_vm(vm)->clock_offset,
		     data.clock - ktime_get_boottime_ns());
	return 0;
}
