// SPDX-License-Identifier: GPL-2.0
/*
 * MSR accesses handed to userspace: KVM_CAP_X86_USER_SPACE_MSR makes a
 * guest RDMSR/WRMSR that would #GP exit with KVM_EXIT_X86_RDMSR/WRMSR for
 * the reasons the VM enabled (unknown MSR, invalid access, filtered), and
 * KVM_X86_SET_MSR_FILTER (KVM_CAP_X86_MSR_FILTER) denies guest accesses
 * by MSR ranges and bitmaps.  Userspace completes an exit on the next
 * KVM_RUN: msr.error set means #GP, else RDMSR loads msr.data into EDX:EAX.
 *
 * The filter is replaced as a whole and read under RCU; x2APIC MSRs
 * (0x800-0x8ff) are never filtered and host-initiated accesses never are.
 * Backends that let the guest reach some MSRs without an exit recompute
 * their intercepts on KVMX_REQ_MSR_FILTER, which a change makes on every
 * vCPU (ops->msr_filter_changed, before the next entry).
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/traps.h>

#include "kvmx_x86.h"

#define KVMX_MSR_EXIT_REASONS	(KVM_MSR_EXIT_REASON_INVAL | \
				 KVM_MSR_EXIT_REASON_UNKNOWN | \
				 KVM_MSR_EXIT_REASON_FILTER)

/**
 * struct kvmx_msr_filter - one KVM_X86_SET_MSR_FILTER, immutable once set
 * @rcu:           freed after a grace period when replaced
 * @default_allow: the answer for an MSR no range covers
 * @count:         ranges in use
 * @ranges:        KVM_MSR_FILTER_READ/WRITE flags, base, nmsrs and a copy
 *                 of the bitmap (a set bit allows)
 */
struct kvmx_msr_filter {
	struct rcu_head rcu;
	bool default_allow;
	int count;
	struct {
		u32 flags;
		u32 base;
		u32 nmsrs;
		unsigned long *bitmap;
	} ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void filter_free(struct kvmx_msr_filter *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

static void filter_free_rcu(struct rcu_head *rcu)
{
	filter_free(container_of(rcu, struct kvmx_msr_filter, rcu));
}

bool kvmx_msr_filter_offered(void)
{
	return !!kvmx_x86->msr_filter_changed;
}

long kvmx_msr_enable_user_exits(struct kvmx_vm *vm, u64 reasons)
{
	if (!kvmx_msr_filter_offered() || (reasons & ~KVMX_MSR_EXIT_REASONS))
		return -EINVAL;
	WRITE_ONCE(to_x86_vm(vm)->user_msr_exits, reasons);
	return 0;
}

/* Does the VM's filter let the guest read (or @write) MSR @index? */
bool kvmx_msr_allowed(struct kvmx_x86_vcpu *xv, u32 index, bool write)
{
	u32 type = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	const struct kvmx_msr_filter *f;
	bool allowed = true;
	int i;

	if (index >= 0x800 && index <= 0x8ff)
		return true;
	rcu_read_lock();
	f = rcu_dereference(to_x86_vm(xv->vcpu->vm)->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			if (index >= f->ranges[i].base &&
			    index - f->ranges[i].base < f->ranges[i].nmsrs &&
			    (f->ranges[i].flags & type)) {
				allowed = test_bit(index - f->ranges[i].base,
						   f->ranges[i].bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}

long kvmx_set_msr_filter(struct kvmx_vm *vm, struct kvm_msr_filter __user *u)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);
	struct kvmx_msr_filter *f, *old;
	struct kvm_msr_filter uf;
	bool empty = true;
	size_t size;
	int i;

	if (!kvmx_msr_filter_offered())
		return -ENOTTY;
	if (copy_from_user(&uf, u, sizeof(uf)))
		return -EFAULT;
	if (uf.flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		empty &= !uf.ranges[i].nmsrs;
	/* Denying everything without a range is refused, as by kvm. */
	if (empty && (uf.flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->default_allow = !(uf.flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &uf.ranges[i];
		int n = f->count;

		if (!r->nmsrs)
			continue;
		if (!r->flags ||
		    (r->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)))
			goto einval;
		size = BITS_TO_LONGS(r->nmsrs) * sizeof(long);
		if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
			goto einval;
		f->ranges[n].bitmap = memdup_user((void __user *)r->bitmap, size);
		if (IS_ERR(f->ranges[n].bitmap)) {
			long err = PTR_ERR(f->ranges[n].bitmap);

			f->ranges[n].bitmap = NULL;
			filter_free(f);
			return err;
		}
		f->ranges[n].flags = r->flags;
		f->ranges[n].base = r->base;
		f->ranges[n].nmsrs = r->nmsrs;
		f->count++;
	}
	/* A filter that allows everything is no filter. */
	if (empty) {
		filter_free(f);
		f = NULL;
	}
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(xvm->msr_filter, f, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	kvmx_make_all_vcpus_request(vm, KVMX_REQ_MSR_FILTER);
	if (old)
		call_rcu(&old->rcu, filter_free_rcu);
	return 0;

einval:
	filter_free(f);
	return -EINVAL;
}

void kvmx_msr_filter_destroy(struct kvmx_vm *vm)
{
	filter_free(rcu_dereference_protected(to_x86_vm(vm)->msr_filter, 1));
}

/*
 * A guest RDMSR (@write false) or WRMSR of @index failed with @r
 * (KVMX_MSR_INVALID, _UNKNOWN or _FILTERED): true if KVM_RUN returns to
 * userspace with the access, false if the guest takes #GP.
 */
bool kvmx_msr_user_exit(struct kvmx_x86_vcpu *xv, u32 index, u64 data,
			bool write, int r)
{
	struct kvm_run *run = xv->vcpu->run;
	u32 reason;

	switch (r) {
	case KVMX_MSR_UNKNOWN:
		reason = KVM_MSR_EXIT_REASON_UNKNOWN;
		break;
	case KVMX_MSR_FILTERED:
		reason = KVM_MSR_EXIT_REASON_FILTER;
		break;
	default:
		reason = KVM_MSR_EXIT_REASON_INVAL;
		break;
	}
	if (!(READ_ONCE(to_x86_vm(xv->vcpu->vm)->user_msr_exits) & reason))
		return false;
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	xv->pending_io = write ? KVMX_IO_WRMSR : KVMX_IO_RDMSR;
	return true;
}

/* KVM_RUN after an MSR exit: #GP if userspace said so, else finish it. */
int kvmx_complete_msr(struct kvmx_x86_vcpu *xv, bool write)
{
	struct kvm_run *run = xv->vcpu->run;

	if (run->msr.error) {
		kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
		return 1;
	}
	if (!write) {
		xv->regs[KVMX_RAX] = (u32)run->msr.data;
		xv->regs[KVMX_RDX] = run->msr.data >> 32;
	}
	return kvmx_skip_insn(xv);
}
