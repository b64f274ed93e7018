// SPDX-License-Identifier: GPL-2.0
/*
 * Time: the guest TSC rate (KVM_GET/SET_TSC_KHZ), the VM clock
 * (KVM_GET/SET_CLOCK) and kvmclock, the paravirtual clock that shows the
 * VM clock to the guest.
 *
 * kvmx does not scale the TSC: the guest's advances at the host's rate, so
 * KVM_SET_TSC_KHZ accepts that rate (within kvm's 250 ppm tolerance, 0
 * meaning the host's) and refuses others, and KVM_CAP_TSC_CONTROL is not
 * offered.
 *
 * The VM clock is a pure function of the host TSC, fixed when the VM is
 * created: at host TSC @master_tsc it read @master_ns (host boot time then)
 * plus @clock_offset, and it advances by the TSC converted at tsc_khz (the
 * same mul/shift the guest uses).  So KVM_GET_CLOCK, which returns the
 * clock with the host TSC and wall time it was read at, and every vCPU's
 * kvmclock agree exactly: what kvm calls a master clock, never re-based.
 * KVM_SET_CLOCK moves @clock_offset and makes KVMX_REQ_CLOCK_UPDATE on every
 * vCPU, which rewrites its kvmclock page before its next entry; so do a
 * change of the vCPU's TSC offset and a write of MSR_KVM_SYSTEM_TIME.
 *
 * kvmclock (KVM_FEATURE_CLOCKSOURCE, _CLOCKSOURCE2, _CLOCKSOURCE_STABLE_BIT
 * in CPUID 0x40000001): the guest gives the address of a struct
 * pvclock_vcpu_time_info per vCPU (MSR_KVM_SYSTEM_TIME(_NEW), bit 0
 * enabling it) and of a struct pvclock_wall_clock (MSR_KVM_WALL_CLOCK(_NEW),
 * written once: the wall time at VM clock 0).  Both are written with the
 * version protocol (odd while changing).
 */
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
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

/* Nanoseconds in @delta TSC cycles, as the guest's pvclock computes them. */
static u64 scale_tsc(u64 delta, u32 mul, s8 shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return mul_u64_u32_shr(delta, mul, 32);
}

/* ns = ((cycles << shift) * mul) >> 32 for a TSC of @khz kHz. */
static void tsc_scale(u32 khz, u32 *mul, s8 *shift)
{
	u64 num = NSEC_PER_MSEC, den = khz;	/* ns per cycle = num / den */
	s8 s = 0;

	while (num >= den) {
		den <<= 1;
		s++;
	}
	while (num * 2 < den) {
		num <<= 1;
		s--;
	}
	*mul = div64_u64(num << 32, den);
	*shift = s;
}

void kvmx_clock_vm_init(struct kvmx_vm *vm)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);

	tsc_scale(tsc_khz ? tsc_khz : 1000000, &xvm->tsc_mul, &xvm->tsc_shift);
	xvm->master_tsc = rdtsc();
	xvm->master_ns = ktime_get_boottime_ns();
}

/* The VM clock at host TSC @tsc, without and with the offset. */
static u64 vm_clock_raw(struct kvmx_x86_vm *xvm, u64 tsc)
{
	return xvm->master_ns +
	       scale_tsc(tsc - xvm->master_tsc, xvm->tsc_mul, xvm->tsc_shift);
}

static u64 vm_clock_at(struct kvmx_x86_vm *xvm, u64 tsc)
{
	return vm_clock_raw(xvm, tsc) + atomic64_read(&xvm->clock_offset);
}

static bool tsc_stable(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC);
}

long kvmx_get_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);
	struct kvm_clock_data data = {};
	unsigned long flags;

	/* The three readings as close together as this CPU allows. */
	local_irq_save(flags);
	data.host_tsc = rdtsc();
	data.realtime = ktime_get_real_ns();
	local_irq_restore(flags);
	data.clock = vm_clock_at(xvm, data.host_tsc);
	data.flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
	if (tsc_stable())
		data.flags |= KVM_CLOCK_TSC_STABLE;
	return copy_to_user(u, &data, sizeof(data)) ? -EFAULT : 0;
}

long kvmx_set_clock(struct kvmx_vm *vm, struct kvm_clock_data __user *u)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);
	struct kvm_clock_data data;
	unsigned long flags;
	u64 now_real, tsc;

	if (copy_from_user(&data, u, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~KVMX_CLOCK_VALID_FLAGS)
		return -EINVAL;
	local_irq_save(flags);
	tsc = rdtsc();
	now_real = ktime_get_real_ns();
	local_irq_restore(flags);
	/* With REALTIME, the clock moves on by the wall time since then. */
	if ((data.flags & KVM_CLOCK_REALTIME) && now_real > data.realtime)
		data.clock += now_real - data.realtime;
	mutex_lock(&vm->lock);
	atomic64_set(&xvm->clock_offset, data.clock - vm_clock_raw(xvm, tsc));
	mutex_unlock(&vm->lock);
	kvmx_make_all_vcpus_request(vm, KVMX_REQ_CLOCK_UPDATE);
	return 0;
}

/*
 * Write the @len bytes at @src, a structure that starts with its u32
 * version, to @gpa with the pvclock protocol: the version goes odd, the
 * contents change, the version goes even (*@version: the last one).
 */
static void pv_write(struct kvmx_vm *vm, u64 gpa, void *src, unsigned int len,
		     u32 *version)
{
	u32 v = *version | 1;

	memcpy(src, &v, sizeof(v));
	kvmx_write_guest(vm, gpa, &v, sizeof(v));
	smp_wmb();	/* odd version before the new contents */
	kvmx_write_guest(vm, gpa, src, len);
	smp_wmb();	/* the contents before the even version */
	v++;
	kvmx_write_guest(vm, gpa, &v, sizeof(v));
	*version = v;
}

/* KVMX_REQ_CLOCK_UPDATE, before an entry: rewrite the kvmclock page. */
void kvmx_kvmclock_update(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(xv->vcpu->vm);
	struct pvclock_vcpu_time_info pv = {};

	if (!(xv->system_time & KVM_MSR_ENABLED))
		return;
	/* At host TSC master_tsc: guest TSC and VM clock. */
	pv.tsc_timestamp = xvm->master_tsc + xv->tsc_offset;
	pv.system_time = vm_clock_at(xvm, xvm->master_tsc);
	pv.tsc_to_system_mul = xvm->tsc_mul;
	pv.tsc_shift = xvm->tsc_shift;
	pv.flags = tsc_stable() ? PVCLOCK_TSC_STABLE_BIT : 0;
	pv_write(xv->vcpu->vm, xv->system_time & ~1ULL, &pv, sizeof(pv),
		 &xv->kvmclock_version);
}

/* The kvmclock MSRs: 0 done, -ENOENT if @index is not one of them. */
int kvmx_kvmclock_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*data = xv->system_time;
		return 0;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*data = to_x86_vm(xv->vcpu->vm)->wall_clock;
		return 0;
	default:
		return -ENOENT;
	}
}

int kvmx_kvmclock_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data,
			  bool host)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(xv->vcpu->vm);
	struct pvclock_wall_clock wc = {};
	unsigned long flags;
	u64 wall, tsc;
	u32 version = 0;

	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		xv->system_time = data;
		kvmx_make_request(KVMX_REQ_CLOCK_UPDATE, xv->vcpu);
		return 0;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		xvm->wall_clock = data;
		if (host)
			return 0;
		/* The wall time when the VM clock read 0. */
		local_irq_save(flags);
		tsc = rdtsc();
		wall = ktime_get_real_ns();
		local_irq_restore(flags);
		wall -= vm_clock_at(xvm, tsc);
		wc.sec = div_u64_rem(wall, NSEC_PER_SEC, &wc.nsec);
		kvmx_read_guest(xv->vcpu->vm, data, &version, sizeof(version));
		pv_write(xv->vcpu->vm, data, &wc, sizeof(wc), &version);
		return 0;
	default:
		return -ENOENT;
	}
}

/*
 * The vCPU's device attributes (KVM_HAS/GET/SET_DEVICE_ATTR on the vCPU
 * fd): kvm has one, KVM_VCPU_TSC_OFFSET in group KVM_VCPU_TSC_CTRL, the
 * guest TSC's offset from the host's.  Setting it moves the TSC the guest
 * reads (RDTSC, IA32_TSC) and leaves IA32_TSC_ADJUST alone, as kvm does.
 * Unknown groups and attributes: -ENXIO; flags are ignored.
 */
long kvmx_vcpu_device_attr(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			   struct kvm_device_attr __user *u)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	s64 offset;

	if (copy_from_user(&attr, u, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (ioctl) {
	case KVM_HAS_DEVICE_ATTR:
		return 0;
	case KVM_GET_DEVICE_ATTR:
		return put_user(xv->tsc_offset, uaddr) ? -EFAULT : 0;
	default:
		if (get_user(offset, uaddr))
			return -EFAULT;
		xv->tsc_offset = offset;
		kvmx_make_request(KVMX_REQ_CLOCK_UPDATE, xv->vcpu);
		return 0;
	}
}
