// SPDX-License-Identifier: GPL-2.0
/*
 * The VM file descriptor: creation, lifetime and VM ioctls.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvmx.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmx_arch.h"

static void kvmx_vm_destroy(struct kvmx_vm *vm)
{
	int i;

	kvmx_stats_vm_destroyed(vm);
	/*
	 * The notifier goes first: its zaps make a request on every vCPU in
	 * vcpus[] (kvmx_make_all_vcpus_request()), which must not be freed
	 * under it.
	 */
	kvmx_mmu_notifier_unregister(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		kvmx_vcpu_destroy(vm->vcpus[i]);
	kvmx_arch_vm_destroy(vm);
	kvmx_memslots_free(vm);
	kvmx_coalesced_destroy(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
	kvmx_hw_put();
}

void kvmx_vm_put(struct kvmx_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		kvmx_vm_destroy(vm);
}

/*
 * An info line: the loud part, the warning with its backtrace, is the
 * caller's (KVMX_VM_DEAD_ON()); the test knob should not look like a fault.
 */
void kvmx_vm_mark_dead(struct kvmx_vm *vm, const char *why)
{
	if (!READ_ONCE(vm->dead))
		pr_info_ratelimited("VM of pid %d marked dead: %s\n",
				    task_pid_nr(current), why);
	WRITE_ONCE(vm->dead, true);
}

static long vm_set_memory_region(struct kvmx_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	return kvmx_set_memory_region(vm, &mem);
}

int kvmx_get_enable_cap(struct kvm_enable_cap *cap, const void __user *argp)
{
	if (copy_from_user(cap, argp, sizeof(*cap)))
		return -EFAULT;
	return cap->flags ? -EINVAL : 0;	/* kvm defines no flag */
}

static long vm_enable_cap(struct kvmx_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;
	long r = kvmx_get_enable_cap(&cap, argp);

	if (r)
		return r;
	r = -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		if (cap.args[0] & ~KVMX_DIRTY_LOG_PROTECT_FLAGS)
			return -EINVAL;
		mutex_lock(&vm->slots_lock);
		vm->manual_dirty_protect = cap.args[0];
		mutex_unlock(&vm->slots_lock);
		return 0;
	case KVMX_CAP_MARK_DEAD:
		/* The test knob of the dead-VM path (uapi/linux/kvmx.h). */
		if (cap.args[0] || cap.args[1] || cap.args[2] || cap.args[3])
			return -EINVAL;
		kvmx_vm_mark_dead(vm, "KVMX_CAP_MARK_DEAD");
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		if (cap.args[0] > KVMX_MAX_VCPU_IDS)
			return -EINVAL;
		mutex_lock(&vm->lock);
		/* Settable once, before the first vCPU fixes the default. */
		if (vm->max_vcpu_ids == cap.args[0]) {
			r = 0;
		} else if (!vm->max_vcpu_ids) {
			vm->max_vcpu_ids = cap.args[0];
			r = 0;
		}
		mutex_unlock(&vm->lock);
		return r;
	default:
		return kvmx_arch_vm_enable_cap(vm, &cap);
	}
}

static long kvmx_vm_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct kvmx_vm *vm = filp->private_data;
	long r;

	if (vm->mm != current->mm)
		return -EIO;
	if (READ_ONCE(vm->dead))
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return kvmx_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return vm_set_memory_region(vm, (void __user *)arg);
	case KVM_CHECK_EXTENSION:
		return kvmx_check_extension(vm, arg);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return kvmx_coalesced_ioctl(vm, (void __user *)arg,
					    ioctl == KVM_REGISTER_COALESCED_MMIO);
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, (void __user *)arg);
	case KVM_GET_DIRTY_LOG:
		return kvmx_get_dirty_log(vm, (void __user *)arg);
	case KVM_CLEAR_DIRTY_LOG:
		return kvmx_clear_dirty_log(vm, (void __user *)arg);
	case KVM_GET_STATS_FD:
		return kvmx_vm_stats_fd(vm);
	default:
		r = kvmx_arch_vm_ioctl(vm, ioctl, arg);
		return r;
	}
}

static int kvmx_vm_release(struct inode *inode, struct file *filp)
{
	kvmx_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations kvmx_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmx_vm_release,
	.unlocked_ioctl	= kvmx_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int kvmx_create_vm(unsigned long type)
{
	struct kvmx_vm *vm;
	int r, fd;

	/* Only the default x86 VM type exists (KVM_X86_LEGACY_VM). */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);

	r = kvmx_hw_get();
	if (r)
		goto err_mm;
	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto err_hw;
	r = kvmx_coalesced_init(vm);
	if (r)
		goto err_coalesced;
	r = kvmx_memslots_init(vm);
	if (r)
		goto err_coalesced;
	r = kvmx_arch_vm_init(vm);
	if (r)
		goto err_slots;
	r = kvmx_mmu_notifier_register(vm);
	if (r) {
		kvmx_arch_vm_destroy(vm);
		goto err_slots;
	}

	kvmx_stats_vm_created(vm);
	fd = anon_inode_getfd("kvm-vm", &kvmx_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* Full teardown, including the hardware reference. */
		kvmx_vm_destroy(vm);
		return fd;
	}
	return fd;

err_slots:
	kvmx_memslots_free(vm);
err_coalesced:
	kvmx_coalesced_destroy(vm);
	cleanup_srcu_struct(&vm->srcu);
err_hw:
	kvmx_hw_put();
err_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
