// SPDX-License-Identifier: GPL-2.0
/*
 * kvm's paravirtual interface, as kvm.ko offers it to a guest that finds
 * "KVMKVMKVM" at CPUID 0x40000000 (Documentation/virt/kvm/x86/cpuid.rst,
 * msr.rst and hypercalls.rst of the kernel).
 *
 * Features (CPUID 0x40000001 EAX, kvmx_pv_supported_features()): kvmclock
 * (x86/clock.c), NOP_IO_DELAY (a hint only), steal time, PV EOI, PV
 * unhalt (KVM_HC_KICK_CPU), PV TLB flush (through the steal-time page),
 * PV send-IPI, PV sched-yield and poll control.  Not offered: the async
 * page fault features, as kvmx never completes a guest page fault
 * asynchronously; their MSRs are still accepted and stored with kvm's
 * validity rules, as kvm does whatever CPUID says (unless enforced).
 *
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID (per vCPU): once on, a PV MSR whose
 * feature bit the vCPU's leaf 0x40000001 lacks is refused like an unknown
 * MSR (#GP, or an exit if userspace takes unknown MSRs), and such a
 * hypercall returns -KVM_ENOSYS.
 *
 * Steal time: the vCPU's task's sched_info.run_delay, added to the guest's
 * steal field before the first entry of each KVM_RUN and after each time
 * the task was scheduled back in (a preempt notifier, registered for the
 * duration of KVM_RUN).  When the task is preempted in KVM_RUN at the run
 * loop's preemption point (an exit fully handled: the vCPU between two
 * instructions, where kvm requires a host-interrupt exit), the notifier's
 * sched_out writes KVM_VCPU_PREEMPTED to the guest's page (kvm does not on
 * a plain return to userspace, nor does kvmx); the next update
 * clears the byte atomically and honours KVM_VCPU_FLUSH_TLB, which other
 * vCPUs set instead of sending a flush IPI to a preempted one.
 */
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* MSR_KVM_ASYNC_PF_EN: bits 4-5 are reserved; the area is 64-byte aligned. */
#define KVMX_ASYNC_PF_EN_RSVD	0x30ULL
#define KVMX_ASYNC_PF_GPA_MASK	(~0x3fULL)
/* The ICR's destination shorthand field (bits 18-19). */
#define KVMX_ICR_SHORTHAND	APIC_DEST_ALLBUT

u32 kvmx_pv_supported_features(void)
{
	u32 eax = BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_CLOCKSOURCE2) |
		  BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) |
		  BIT(KVM_FEATURE_NOP_IO_DELAY) | BIT(KVM_FEATURE_PV_EOI) |
		  BIT(KVM_FEATURE_PV_UNHALT) | BIT(KVM_FEATURE_PV_TLB_FLUSH) |
		  BIT(KVM_FEATURE_PV_SEND_IPI) | BIT(KVM_FEATURE_POLL_CONTROL) |
		  BIT(KVM_FEATURE_PV_SCHED_YIELD);

	/* Steal time needs the scheduler's run-delay accounting. */
	if (sched_info_on())
		eax |= BIT(KVM_FEATURE_STEAL_TIME);
	return eax;
}

/* May the vCPU use PV feature @feature (KVM_FEATURE_*)? */
static bool pv_has(struct kvmx_x86_vcpu *xv, unsigned int feature)
{
	const struct kvm_cpuid_entry2 *e;

	if (!xv->pv.enforce)
		return true;
	e = kvmx_find_cpuid(xv, KVM_CPUID_FEATURES, 0);
	return e && (e->eax & BIT(feature));
}

void kvmx_pv_set_enforce(struct kvmx_x86_vcpu *xv, bool enforce)
{
	xv->pv.enforce = enforce;
}

/* The feature a PV MSR belongs to, or -1 if @index is not a PV MSR. */
static int msr_feature(u32 index)
{
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_WALL_CLOCK:
		return KVM_FEATURE_CLOCKSOURCE;
	case MSR_KVM_SYSTEM_TIME_NEW:
	case MSR_KVM_WALL_CLOCK_NEW:
		return KVM_FEATURE_CLOCKSOURCE2;
	case MSR_KVM_ASYNC_PF_EN:
		return KVM_FEATURE_ASYNC_PF;
	case MSR_KVM_ASYNC_PF_INT:
	case MSR_KVM_ASYNC_PF_ACK:
		return KVM_FEATURE_ASYNC_PF_INT;
	case MSR_KVM_STEAL_TIME:
		return KVM_FEATURE_STEAL_TIME;
	case MSR_KVM_PV_EOI_EN:
		return KVM_FEATURE_PV_EOI;
	case MSR_KVM_POLL_CONTROL:
		return KVM_FEATURE_POLL_CONTROL;
	default:
		return -1;
	}
}

/* Is [@gpa, @gpa + @len) in one page of a writable memslot? */
static bool gpa_writable(struct kvmx_vm *vm, u64 gpa, unsigned int len)
{
	const struct kvmx_memslot *slot;
	int idx;
	bool ok;

	if (offset_in_page(gpa) + len > PAGE_SIZE)
		return false;
	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gpa >> PAGE_SHIFT);
	ok = slot && !(slot->flags & KVM_MEM_READONLY);
	srcu_read_unlock(&vm->srcu, idx);
	return ok;
}

/*
 * -ENOENT if @index is no PV MSR, KVMX_MSR_UNKNOWN (as kvm's "unsupported")
 * if enforcement denies it, 0 if the access goes on.
 */
static int msr_check(struct kvmx_x86_vcpu *xv, u32 index)
{
	int feature = msr_feature(index);

	if (feature < 0)
		return -ENOENT;
	return pv_has(xv, feature) ? 0 : KVMX_MSR_UNKNOWN;
}

int kvmx_pv_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	int r = msr_check(xv, index);

	if (r)
		return r;
	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		*data = xv->pv.async_pf_en;
		return 0;
	case MSR_KVM_ASYNC_PF_INT:
		*data = xv->pv.async_pf_int;
		return 0;
	case MSR_KVM_ASYNC_PF_ACK:
		*data = 0;
		return 0;
	case MSR_KVM_STEAL_TIME:
		*data = xv->pv.steal_msr;
		return 0;
	case MSR_KVM_PV_EOI_EN:
		*data = xv->pv.pv_eoi_msr;
		return 0;
	case MSR_KVM_POLL_CONTROL:
		*data = xv->pv.poll_control;
		return 0;
	default:
		return -ENOENT;	/* kvmclock's: x86/clock.c */
	}
}

static int set_async_pf_en(struct kvmx_x86_vcpu *xv, u64 data)
{
	u64 on = KVM_ASYNC_PF_ENABLED | KVM_ASYNC_PF_DELIVERY_AS_INT;

	if (data & KVMX_ASYNC_PF_EN_RSVD)
		return KVMX_MSR_INVALID;
	if ((data & KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT) &&
	    !pv_has(xv, KVM_FEATURE_ASYNC_PF_VMEXIT))
		return KVMX_MSR_INVALID;
	if ((data & KVM_ASYNC_PF_DELIVERY_AS_INT) &&
	    !pv_has(xv, KVM_FEATURE_ASYNC_PF_INT))
		return KVMX_MSR_INVALID;
	/* Without a local APIC in the kernel only 0 is accepted, unstored. */
	if (!xv->apic)
		return data ? KVMX_MSR_INVALID : 0;
	/* Stored even when the area turns out unbacked, as in kvm. */
	xv->pv.async_pf_en = data;
	if ((data & on) == on &&
	    !gpa_writable(xv->vcpu->vm, data & KVMX_ASYNC_PF_GPA_MASK,
			  sizeof(u64)))
		return KVMX_MSR_INVALID;
	return 0;
}

static int set_steal_time(struct kvmx_x86_vcpu *xv, u64 data)
{
	if (!sched_info_on() || (data & KVM_STEAL_RESERVED_MASK))
		return KVMX_MSR_INVALID;
	xv->pv.steal_msr = data;
	if (data & KVM_MSR_ENABLED)
		kvmx_make_request(KVMX_REQ_STEAL_UPDATE, xv->vcpu);
	return 0;
}

static int set_pv_eoi(struct kvmx_x86_vcpu *xv, u64 data)
{
	u64 gpa = data & ~(u64)KVM_MSR_ENABLED;

	if (!IS_ALIGNED(gpa, 4))
		return KVMX_MSR_INVALID;
	if ((data & KVM_MSR_ENABLED) && !gpa_writable(xv->vcpu->vm, gpa, 1))
		return KVMX_MSR_INVALID;
	xv->pv.pv_eoi_msr = data;
	return 0;
}

int kvmx_pv_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data)
{
	int r = msr_check(xv, index);

	if (r)
		return r;
	switch (index) {
	case MSR_KVM_ASYNC_PF_EN:
		return set_async_pf_en(xv, data);
	case MSR_KVM_ASYNC_PF_INT:
		/* The vector in bits 0-7; the rest is reserved. */
		if ((data >> 8) || !xv->apic)
			return KVMX_MSR_INVALID;
		xv->pv.async_pf_int = data;
		return 0;
	case MSR_KVM_ASYNC_PF_ACK:
		return 0;	/* no page-ready notification is ever pending */
	case MSR_KVM_STEAL_TIME:
		return set_steal_time(xv, data);
	case MSR_KVM_PV_EOI_EN:
		return set_pv_eoi(xv, data);
	case MSR_KVM_POLL_CONTROL:
		if (data & ~1ULL)
			return KVMX_MSR_INVALID;
		xv->pv.poll_control = data;
		return 0;
	default:
		return -ENOENT;	/* kvmclock's: x86/clock.c */
	}
}

void kvmx_pv_reset(struct kvmx_x86_vcpu *xv)
{
	xv->pv.async_pf_en = 0;
	xv->pv.async_pf_int = 0;
	xv->pv.steal_msr = 0;
	xv->pv.pv_eoi_msr = 0;
	xv->pv.pv_eoi_pending = false;
}

/* ---- Steal time ---- */

/*
 * Write @len bytes to guest-physical @gpa without sleeping or faulting
 * (interrupts may be off); 0, or -EFAULT when the page is not at hand.
 */
static int write_guest_nofault(struct kvmx_vm *vm, u64 gpa, const void *buf,
			       unsigned int len)
{
	const struct kvmx_memslot *slot;
	unsigned long hva;
	int idx, r = -EFAULT;

	if (offset_in_page(gpa) + len > PAGE_SIZE || current->mm != vm->mm)
		return -EFAULT;
	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gpa >> PAGE_SHIFT);
	if (slot && !(slot->flags & KVM_MEM_READONLY)) {
		hva = kvmx_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
		      offset_in_page(gpa);
		if (!copy_to_user_nofault((void __user *)hva, buf, len)) {
			kvmx_mark_dirty(slot, gpa >> PAGE_SHIFT);
			r = 0;
		}
	}
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

static u64 task_run_delay(void)
{
#ifdef CONFIG_SCHED_INFO
	return current->sched_info.run_delay;
#else
	return 0;
#endif
}

/*
 * Take the preempted byte of the steal-time structure at @gpa back to 0
 * (atomically: another vCPU may be adding KVM_VCPU_FLUSH_TLB to it);
 * its old value, or -EFAULT.
 */
static int take_preempted(struct kvmx_vm *vm, u64 gpa)
{
	u64 at = gpa + offsetof(struct kvm_steal_time, preempted);
	u32 word;
	int r;

	/* The byte is the low one of an aligned u32 (with u8_pad[3]). */
	BUILD_BUG_ON(offsetof(struct kvm_steal_time, preempted) % 4);
	do {
		if (kvmx_read_guest(vm, at, &word, sizeof(word)))
			return -EFAULT;
		if (!(word & 0xff))
			return 0;
		r = kvmx_cmpxchg_guest(vm, at, word, word & ~0xffU, 4);
		if (r < 0)
			return r;
	} while (r);
	return word & 0xff;
}

void kvmx_pv_record_steal(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	u64 gpa = xv->pv.steal_msr & KVM_STEAL_VALID_BITS;
	u64 at_version = gpa + offsetof(struct kvm_steal_time, version);
	u64 steal, run_delay;
	u32 version;
	int preempted;

	if (!(xv->pv.steal_msr & KVM_MSR_ENABLED))
		return;
	preempted = take_preempted(vm, gpa);
	if (preempted < 0)
		return;
	xv->pv.st_preempted = false;
	/*
	 * The guest asked for the flush it did not send to a preempted vCPU:
	 * with shadow paging that is also what a guest flush does to the
	 * shadow tables (as kvm syncs its shadow roots).
	 */
	if ((preempted & KVM_VCPU_FLUSH_TLB) &&
	    pv_has(xv, KVM_FEATURE_PV_TLB_FLUSH)) {
		if (xv->shadow)
			kvmx_shadow_flush_guest(xv);
		kvmx_make_request(KVMX_REQ_TLB_FLUSH_GUEST, xv->vcpu);
	}

	if (kvmx_read_guest(vm, at_version, &version, sizeof(version)) ||
	    kvmx_read_guest(vm, gpa, &steal, sizeof(steal)))
		return;
	/* Odd: the guest's first contents; start from an even version. */
	version += (version & 1) + 1;
	if (kvmx_write_guest(vm, at_version, &version, sizeof(version)))
		return;
	smp_wmb();	/* odd version before the new steal value */
	run_delay = task_run_delay();
	steal += run_delay - xv->pv.last_steal;
	xv->pv.last_steal = run_delay;
	kvmx_write_guest(vm, gpa, &steal, sizeof(steal));
	smp_wmb();	/* the steal value before the even version */
	version++;
	kvmx_write_guest(vm, at_version, &version, sizeof(version));
}

/*
 * The task is being preempted in KVM_RUN (atomic context, the task's own
 * mm): mark the guest's steal-time structure without faulting, as kvm.
 */
static void set_preempted(struct kvmx_x86_vcpu *xv)
{
	u64 gpa = (xv->pv.steal_msr & KVM_STEAL_VALID_BITS) +
		  offsetof(struct kvm_steal_time, preempted);
	u8 val = KVM_VCPU_PREEMPTED;

	if (!(xv->pv.steal_msr & KVM_MSR_ENABLED) || xv->pv.st_preempted ||
	    !xv->pv.at_boundary)
		return;
	if (!write_guest_nofault(xv->vcpu->vm, gpa, &val, sizeof(val)))
		xv->pv.st_preempted = true;
}

static struct kvmx_x86_vcpu *notifier_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct kvmx_x86_vcpu, pv.notifier);
}

static void pv_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct kvmx_x86_vcpu *xv = notifier_vcpu(pn);

	WRITE_ONCE(xv->pv.preempted, false);
	if (xv->pv.steal_msr & KVM_MSR_ENABLED)
		kvmx_make_request(KVMX_REQ_STEAL_UPDATE, xv->vcpu);
}

static void pv_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct kvmx_x86_vcpu *xv = notifier_vcpu(pn);

	/* Still runnable: preempted, not blocked (a halt, a lock). */
	if (!READ_ONCE(current->on_rq))
		return;
	WRITE_ONCE(xv->pv.preempted, true);
	set_preempted(xv);
}

static struct preempt_ops pv_preempt_ops = {
	.sched_in = pv_sched_in,
	.sched_out = pv_sched_out,
};

void kvmx_pv_vcpu_create(struct kvmx_x86_vcpu *xv)
{
	xv->pv.poll_control = 1;
	preempt_notifier_init(&xv->pv.notifier, &pv_preempt_ops);
	preempt_notifier_inc();
}

void kvmx_pv_vcpu_destroy(struct kvmx_x86_vcpu *xv)
{
	preempt_notifier_dec();
}

/* ---- PV EOI ---- */

/*
 * In the entry sequence, interrupts off, after the event injection (so
 * that the interrupt injected now counts, as in kvm): if the guest may end
 * its highest in-service interrupt without an exit, set its PV EOI byte
 * (KVM_PV_EOI_ENABLED).  Should the page not be at hand without a fault,
 * the byte stays clear and the guest writes the EOI register: correct,
 * only slower.
 */
void __kvmx_pv_eoi_before_entry(struct kvmx_x86_vcpu *xv)
{
	u8 val = KVM_PV_EOI_ENABLED;

	if (likely(!(xv->pv.pv_eoi_msr & KVM_MSR_ENABLED)) || !xv->apic ||
	    kvmx_lapic_pv_eoi_vector(xv->apic) < 0)
		return;
	if (!write_guest_nofault(xv->vcpu->vm, xv->pv.pv_eoi_msr & ~1ULL, &val,
				 sizeof(val)))
		xv->pv.pv_eoi_pending = true;
}

/*
 * After the exit, before its handler (which may read the ISR): a byte the
 * guest cleared is its EOI; one it left set is cleared again, so that the
 * guest writes the EOI register unless the next entry offers PV EOI anew.
 */
void __kvmx_pv_eoi_after_exit(struct kvmx_x86_vcpu *xv)
{
	u64 gpa = xv->pv.pv_eoi_msr & ~1ULL;
	u8 val;

	if (likely(!xv->pv.pv_eoi_pending))
		return;
	xv->pv.pv_eoi_pending = false;
	if (!(xv->pv.pv_eoi_msr & KVM_MSR_ENABLED) ||
	    kvmx_read_guest(xv->vcpu->vm, gpa, &val, sizeof(val)))
		return;
	if (val & KVM_PV_EOI_ENABLED) {
		val = KVM_PV_EOI_DISABLED;
		kvmx_write_guest(xv->vcpu->vm, gpa, &val, sizeof(val));
		return;
	}
	kvmx_lapic_pv_eoi(xv->apic);
}

/* ---- Hypercalls ---- */

/*
 * Yield this CPU to the vCPU with APIC ID @dest_id if its task was
 * preempted in KVM_RUN (it holds a lock the caller waits for, say).
 */
static void yield_to_vcpu(struct kvmx_x86_vcpu *xv, u64 dest_id)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_x86_vcpu *target;
	struct task_struct *task;

	if (single_task_running() || !kvmx_irqchip_in_kernel(vm) ||
	    dest_id > U32_MAX)
		return;
	target = kvmx_lapic_vcpu_by_id(vm, dest_id, false);
	if (!target || target == xv || !READ_ONCE(target->pv.preempted))
		return;
	task = kvmx_lapic_get_task(target->apic);
	if (!task)
		return;
	yield_to(task, true);
	put_task_struct(task);
}

/* KVM_HC_KICK_CPU: a1 is the APIC ID of the vCPU to wake (a0: flags). */
static u64 kick_cpu(struct kvmx_x86_vcpu *xv, u64 apic_id)
{
	if (kvmx_irqchip_in_kernel(xv->vcpu->vm))
		kvmx_lapic_vcpu_by_id(xv->vcpu->vm, apic_id, true);
	yield_to_vcpu(xv, apic_id);
	return 0;
}

/* One cluster of KVM_HC_SEND_IPI: bit i of @bitmap is APIC ID @min + i. */
static int send_ipi_cluster(struct kvmx_vm *vm, unsigned long bitmap, u32 min,
			    const struct kvmx_apic_irq *irq)
{
	unsigned int i;
	int count = 0;

	for_each_set_bit(i, &bitmap, BITS_PER_LONG) {
		if ((u64)min + i > U32_MAX)
			break;
		count += kvmx_lapic_send_to_id(vm, min + i, irq);
	}
	return count;
}

/*
 * KVM_HC_SEND_IPI: a0/a1 are the low and high bitmaps of destination APIC
 * IDs from a2 on (64 per bitmap, 32 in 32-bit mode), a3 the ICR of a
 * physical, no-shorthand IPI.  Returns how many APICs accepted it.
 */
static u64 send_ipi(struct kvmx_x86_vcpu *xv, u64 low, u64 high, u32 min,
		    u64 icr, bool op_64_bit)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_apic_irq irq = {};
	int count;

	if (icr & (APIC_DEST_LOGICAL | KVMX_ICR_SHORTHAND))
		return (u64)-KVM_EINVAL;
	/* kvm answers so when the VM has no APIC map. */
	if (!kvmx_irqchip_in_kernel(vm))
		return (u64)-EOPNOTSUPP;
	irq.vector = icr & APIC_VECTOR_MASK;
	irq.delivery_mode = (icr & APIC_MODE_MASK) >> 8;
	irq.level = icr & APIC_INT_LEVELTRIG;
	count = send_ipi_cluster(vm, low, min, &irq);
	/* u32 arithmetic: the high cluster's base wraps as in kvm. */
	min += op_64_bit ? 64 : 32;
	count += send_ipi_cluster(vm, high, min, &irq);
	return count;
}

u64 kvmx_pv_hypercall(struct kvmx_x86_vcpu *xv, u64 nr, u64 a0, u64 a1,
		      u64 a2, u64 a3, bool op_64_bit)
{
	switch (nr) {
	case KVM_HC_KICK_CPU:
		if (!pv_has(xv, KVM_FEATURE_PV_UNHALT))
			break;
		return kick_cpu(xv, a1);
	case KVM_HC_SEND_IPI:
		if (!pv_has(xv, KVM_FEATURE_PV_SEND_IPI))
			break;
		return send_ipi(xv, a0, a1, a2, a3, op_64_bit);
	case KVM_HC_SCHED_YIELD:
		if (!pv_has(xv, KVM_FEATURE_PV_SCHED_YIELD))
			break;
		yield_to_vcpu(xv, a0);
		return 0;
	}
	return (u64)-KVM_ENOSYS;
}

