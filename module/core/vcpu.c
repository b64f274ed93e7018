// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU file descriptor: creation, the kvm_run mmap, and ioctl dispatch.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "kvmx_arch.h"

static vm_fault_t kvmx_vcpu_fault(struct vm_fault *vmf)
{
	struct kvmx_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->vm->coalesced_ring);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kvmx_vcpu_vm_ops = {
	.fault = kvmx_vcpu_fault,
};

static int kvmx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &kvmx_vcpu_vm_ops;
	return 0;
}

/* KVM_SET_SIGNAL_MASK: NULL clears it; otherwise exactly a kernel sigset_t. */
static long set_signal_mask(struct kvmx_vcpu *vcpu,
			    struct kvm_signal_mask __user *u)
{
	struct kvm_signal_mask hdr;
	sigset_t set;

	if (!u) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, &u->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/* KVM_RUN with the mask userspace set; the thread's own comes back after. */
static long vcpu_run(struct kvmx_vcpu *vcpu)
{
	long r;

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	r = kvmx_arch_vcpu_run(vcpu);
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r;
}

static long kvmx_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	struct kvmx_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (READ_ONCE(vcpu->vm->dead))
		return -EIO;
	if (ioctl == KVM_RUN && arg)
		return -EINVAL;
	if (ioctl == KVM_GET_STATS_FD)
		return kvmx_vcpu_stats_fd(vcpu);

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	if (ioctl == KVM_RUN)
		r = vcpu_run(vcpu);
	else if (ioctl == KVM_SET_SIGNAL_MASK)
		r = set_signal_mask(vcpu, (void __user *)arg);
	else
		r = kvmx_arch_vcpu_ioctl(vcpu, ioctl, arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static int kvmx_vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvmx_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives until the VM goes (kvm does the same). */
	kvmx_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations kvmx_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmx_vcpu_release,
	.unlocked_ioctl	= kvmx_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= kvmx_vcpu_mmap,
	.llseek		= noop_llseek,
};

static void vcpu_free(struct kvmx_vcpu *vcpu)
{
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/* Called from the arch layer when the VM is destroyed. */
void kvmx_vcpu_destroy(struct kvmx_vcpu *vcpu)
{
	kvmx_arch_vcpu_destroy(vcpu);
	vcpu_free(vcpu);
}

static bool vcpu_id_taken(struct kvmx_vm *vm, u32 id)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->vcpu_id == id)
			return true;
	return false;
}

int kvmx_create_vcpu(struct kvmx_vm *vm, unsigned long id)
{
	struct kvmx_vcpu *vcpu;
	int r, fd;

	if (id >= KVMX_MAX_VCPU_IDS)
		return -EINVAL;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data) {
		vcpu_free(vcpu);
		return -ENOMEM;
	}

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= KVMX_MAX_VCPUS)
		goto err_unlock;
	if (!vm->max_vcpu_ids)
		vm->max_vcpu_ids = KVMX_MAX_VCPU_IDS;
	if (id >= vm->max_vcpu_ids)
		goto err_unlock;
	r = -EEXIST;
	if (vcpu_id_taken(vm, id))
		goto err_unlock;
	vcpu->index = vm->nr_vcpus;

	r = kvmx_arch_vcpu_create(vcpu);
	if (r)
		goto err_unlock;

	refcount_inc(&vm->users);
	fd = anon_inode_getfd("kvm-vcpu", &kvmx_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->users);
		kvmx_arch_vcpu_destroy(vcpu);
		r = fd;
		goto err_unlock;
	}
	vm->vcpus[vcpu->index] = vcpu;
	/* Publish the slot before the count, for lockless walkers. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	kvmx_stats_vcpu_created(vcpu);
	mutex_unlock(&vm->lock);
	return fd;

err_unlock:
	mutex_unlock(&vm->lock);
	vcpu_free(vcpu);
	return r;
}
