// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd (KVM_IRQFD: a write to an eventfd pulses a GSI) and ioeventfd
 * (KVM_IOEVENTFD: a guest write to a PIO/MMIO address signals an eventfd
 * instead of exiting to userspace).
 *
 * irqfd: a wait-queue entry on the eventfd; its callback runs wherever the
 * eventfd is signalled, with the eventfd's queue lock held and interrupts
 * off, and takes chip->lock to inject (lock order: eventfd queue lock ->
 * chip->lock).  The list of irqfds is under chip->lock; an irqfd is
 * released by removing it from the eventfd's queue, after which its
 * callback cannot run.  The eventfd context stays referenced meanwhile, so
 * a closed eventfd (EPOLLHUP) is simply left until deassign or VM teardown.
 *
 * A resampling irqfd (KVM_IRQFD_FLAG_RESAMPLE) models a level-triggered
 * line: a write asserts its GSI and leaves it asserted; when the guest
 * acknowledges the interrupt (IOAPIC or PIC EOI) the line is released and
 * the irqfd's resamplefd signalled, so that userspace checks its device
 * and writes again if it still wants the interrupt.  The irqfds of one GSI
 * share a struct kvmx_resampler.  The EOI arrives under chip->lock, which
 * nests inside eventfd wait-queue locks, so it only marks the resampler
 * and a work item signals the resamplefds.
 *
 * ioeventfd: an RCU list, written under chip->ioeventfd_mutex, read on the
 * PIO/MMIO exit paths.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmx_compat.h"
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/**
 * struct kvmx_resampler - the resampling irqfds of one GSI
 * @link:      in chip->resamplers
 * @gsi:       the GSI
 * @acked:     the guest acknowledged the interrupt since the last signal
 *             (chip->lock)
 * @irqfds:    struct kvmx_irqfd.resample_link (chip->resampler_mutex)
 */
struct kvmx_resampler {
	struct list_head link;
	u32 gsi;
	bool acked;
	struct list_head irqfds;
};

/**
 * struct kvmx_irqfd - one KVM_IRQFD assignment
 * @vm:        the VM it injects into
 * @gsi:       the GSI it pulses (or asserts, when resampling)
 * @eventfd:   the eventfd (referenced)
 * @resampler: NULL, or the resampler it belongs to (set at assignment)
 * @resamplefd: signalled when the guest acknowledges (referenced)
 * @resample_link: in resampler->irqfds
 * @wait:      our entry on the eventfd's wait queue
 * @pt:        poll table used once, to find that queue
 * @link:      in chip->irqfds (chip->lock)
 */
struct kvmx_irqfd {
	struct kvmx_vm *vm;
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct kvmx_resampler *resampler;
	struct eventfd_ctx *resamplefd;
	struct list_head resample_link;
	wait_queue_entry_t wait;
	poll_table pt;
	struct list_head link;
};

/**
 * struct kvmx_ioeventfd - one KVM_IOEVENTFD assignment
 * @link:      in chip->ioeventfds (RCU)
 * @addr:      the port or guest-physical address
 * @len:       access size to match; 0 matches any size
 * @pio:        port I/O rather than MMIO
 * @wildcard:   no datamatch: any value signals
 * @datamatch:  the value that signals otherwise
 * @eventfd:    signalled (referenced)
 */
struct kvmx_ioeventfd {
	struct list_head link;
	u64 addr;
	u32 len;
	bool pio;
	bool wildcard;
	u64 datamatch;
	struct eventfd_ctx *eventfd;
};

static void irqfd_inject(struct kvmx_irqfd *irqfd)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(irqfd->vm);
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	if (irqfd->resampler) {
		kvmx_irqchip_set_gsi_resample(irqfd->vm, irqfd->gsi, 1);
	} else {
		kvmx_irqchip_set_gsi(irqfd->vm, irqfd->gsi, 1);
		kvmx_irqchip_set_gsi(irqfd->vm, irqfd->gsi, 0);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
}

void kvmx_irqfd_resample_ack(struct kvmx_irqchip *chip, u32 gsi)
{
	struct kvmx_resampler *r;

	list_for_each_entry(r, &chip->resamplers, link) {
		if (r->gsi != gsi)
			continue;
		kvmx_irqchip_set_gsi_resample(chip->vm, gsi, 0);
		r->acked = true;
		schedule_work(&chip->resample_work);
	}
}

static void resample_work_fn(struct work_struct *work)
{
	struct kvmx_irqchip *chip = container_of(work, struct kvmx_irqchip,
						 resample_work);
	struct kvmx_resampler *r;
	struct kvmx_irqfd *irqfd;
	unsigned long flags;
	bool acked;

	mutex_lock(&chip->resampler_mutex);
	list_for_each_entry(r, &chip->resamplers, link) {
		spin_lock_irqsave(&chip->lock, flags);
		acked = r->acked;
		r->acked = false;
		spin_unlock_irqrestore(&chip->lock, flags);
		if (!acked)
			continue;
		list_for_each_entry(irqfd, &r->irqfds, resample_link)
			kvmx_eventfd_signal(irqfd->resamplefd);
	}
	mutex_unlock(&chip->resampler_mutex);
}

/*
 * chip->resampler_mutex held: join @irqfd to the resampler of its GSI,
 * creating it if needed; it is published on chip->resamplers under the
 * lock, as the EOI path reads that list.
 */
static int resampler_join(struct kvmx_irqchip *chip, struct kvmx_irqfd *irqfd)
{
	struct kvmx_resampler *r;
	unsigned long flags;

	list_for_each_entry(r, &chip->resamplers, link)
		if (r->gsi == irqfd->gsi)
			goto found;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&r->irqfds);
	spin_lock_irqsave(&chip->lock, flags);
	list_add_tail(&r->link, &chip->resamplers);
	spin_unlock_irqrestore(&chip->lock, flags);
found:
	list_add_tail(&irqfd->resample_link, &r->irqfds);
	irqfd->resampler = r;
	return 0;
}

/*
 * chip->resampler_mutex held, @irqfd off its eventfd's queue: leave the
 * resampler; the last one out releases the line, as kvm does.
 */
static void resampler_leave(struct kvmx_irqchip *chip, struct kvmx_irqfd *irqfd)
{
	struct kvmx_resampler *r = irqfd->resampler;
	unsigned long flags;

	list_del(&irqfd->resample_link);
	if (!list_empty(&r->irqfds))
		return;
	spin_lock_irqsave(&chip->lock, flags);
	list_del(&r->link);
	kvmx_irqchip_set_gsi_resample(chip->vm, r->gsi, 0);
	spin_unlock_irqrestore(&chip->lock, flags);
	kfree(r);
}

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct kvmx_irqfd *irqfd = container_of(wait, struct kvmx_irqfd, wait);
	__poll_t events = key_to_poll(key);
	u64 cnt;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		irqfd_inject(irqfd);
	}
	return 0;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct kvmx_irqfd *irqfd = container_of(pt, struct kvmx_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* Off chip->irqfds already: stop it and free it (may sleep). */
static void irqfd_release(struct kvmx_irqfd *irqfd)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(irqfd->vm);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	if (irqfd->resampler) {
		mutex_lock(&chip->resampler_mutex);
		resampler_leave(chip, irqfd);
		mutex_unlock(&chip->resampler_mutex);
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static long irqfd_assign(struct kvmx_vm *vm, const struct kvm_irqfd *args)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_irqfd *irqfd, *t;
	struct file *file;
	unsigned long flags;
	__poll_t events;
	long r;

	file = fget(args->fd);
	if (!file)
		return -EBADF;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		r = -ENOMEM;
		goto out;
	}
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	irqfd->eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		kfree(irqfd);
		goto out;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto fail;
		}
	}
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue_proc);

	/* Serialises assignments: the check and the insertion go together. */
	mutex_lock(&chip->resampler_mutex);
	r = -EBUSY;
	spin_lock_irqsave(&chip->lock, flags);
	list_for_each_entry(t, &chip->irqfds, link)
		if (t->eventfd == irqfd->eventfd)
			goto fail_locked;
	spin_unlock_irqrestore(&chip->lock, flags);
	if (irqfd->resamplefd) {
		r = resampler_join(chip, irqfd);
		if (r)
			goto fail_mutex;
	}
	spin_lock_irqsave(&chip->lock, flags);
	list_add_tail(&irqfd->link, &chip->irqfds);
	spin_unlock_irqrestore(&chip->lock, flags);
	mutex_unlock(&chip->resampler_mutex);

	/* Registers the wait entry; a count already there injects now. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		irqfd_inject(irqfd);
	r = 0;
	goto out;

fail_locked:
	spin_unlock_irqrestore(&chip->lock, flags);
fail_mutex:
	mutex_unlock(&chip->resampler_mutex);
fail:
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
out:
	fput(file);
	return r;
}

static long irqfd_deassign(struct kvmx_vm *vm, const struct kvm_irqfd *args)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_irqfd *irqfd, *found = NULL;
	struct eventfd_ctx *ctx;
	unsigned long flags;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irqsave(&chip->lock, flags);
	list_for_each_entry(irqfd, &chip->irqfds, link) {
		if (irqfd->eventfd == ctx && irqfd->gsi == args->gsi) {
			list_del(&irqfd->link);
			found = irqfd;
			break;
		}
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	eventfd_ctx_put(ctx);
	if (found)
		irqfd_release(found);
	return 0;
}

long kvmx_irqfd_ioctl(struct kvmx_vm *vm, void __user *u)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, u, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &args);
	/* As kvm: irqfds need the in-kernel irqchip, resampling the full one. */
	if (args.gsi >= KVMX_NR_GSIS || !kvmx_irqchip_in_kernel(vm) ||
	    ((args.flags & KVM_IRQFD_FLAG_RESAMPLE) && !kvmx_irqchip_full(vm)))
		return -EINVAL;
	return irqfd_assign(vm, &args);
}

static bool ioeventfd_same(const struct kvmx_ioeventfd *a,
			   const struct kvmx_ioeventfd *b)
{
	return a->addr == b->addr && a->len == b->len && a->pio == b->pio &&
	       (a->wildcard || b->wildcard || a->datamatch == b->datamatch);
}

long kvmx_ioeventfd_ioctl(struct kvmx_vm *vm, void __user *u)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_ioeventfd *ev, *t;
	struct kvm_ioeventfd args;
	long r;

	if (copy_from_user(&args, u, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			   KVM_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	switch (args.len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args.addr + args.len < args.addr)
		return -EINVAL;
	/* A datamatch needs a size to compare. */
	if (!args.len && (args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	ev = kzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return -ENOMEM;
	ev->addr = args.addr;
	ev->len = args.len;
	ev->pio = args.flags & KVM_IOEVENTFD_FLAG_PIO;
	ev->wildcard = !(args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	ev->datamatch = args.datamatch;
	ev->eventfd = eventfd_ctx_fdget(args.fd);
	if (IS_ERR(ev->eventfd)) {
		r = PTR_ERR(ev->eventfd);
		kfree(ev);
		return r;
	}

	mutex_lock(&chip->ioeventfd_mutex);
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN) {
		r = -ENOENT;
		list_for_each_entry(t, &chip->ioeventfds, link) {
			if (t->eventfd == ev->eventfd && t->addr == ev->addr &&
			    t->len == ev->len && t->pio == ev->pio &&
			    t->wildcard == ev->wildcard &&
			    (t->wildcard || t->datamatch == ev->datamatch)) {
				list_del_rcu(&t->link);
				mutex_unlock(&chip->ioeventfd_mutex);
				/*
				 * Expedited, as kvm's bus unregistration: QEMU
				 * probes by assigning and deassigning seven at
				 * start-up, and a normal grace period (12 ms
				 * each in the SVM machine) made 72 ms of its
				 * set-up time on kvmx.ko.
				 */
				synchronize_rcu_expedited();
				eventfd_ctx_put(t->eventfd);
				kfree(t);
				r = 0;
				goto out_free;
			}
		}
		mutex_unlock(&chip->ioeventfd_mutex);
		goto out_free;
	}
	list_for_each_entry(t, &chip->ioeventfds, link) {
		if (ioeventfd_same(t, ev)) {
			mutex_unlock(&chip->ioeventfd_mutex);
			r = -EEXIST;
			goto out_free;
		}
	}
	list_add_tail_rcu(&ev->link, &chip->ioeventfds);
	mutex_unlock(&chip->ioeventfd_mutex);
	return 0;

out_free:
	eventfd_ctx_put(ev->eventfd);
	kfree(ev);
	return r;
}

/* A guest write on the exit path: true if an ioeventfd took it. */
bool kvmx_ioeventfd_write(struct kvmx_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *val)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_ioeventfd *ev;
	bool hit = false;
	u64 data = 0;

	if (list_empty(&chip->ioeventfds))
		return false;
	memcpy(&data, val, min(len, 8U));
	rcu_read_lock();
	list_for_each_entry_rcu(ev, &chip->ioeventfds, link) {
		if (ev->pio != pio || ev->addr != addr ||
		    (ev->len && ev->len != len))
			continue;
		if (!ev->wildcard && ev->datamatch != data)
			continue;
		kvmx_eventfd_signal(ev->eventfd);
		hit = true;
		break;
	}
	rcu_read_unlock();
	return hit;
}

void kvmx_eventfd_init(struct kvmx_irqchip *chip)
{
	INIT_LIST_HEAD(&chip->irqfds);
	INIT_LIST_HEAD(&chip->resamplers);
	mutex_init(&chip->resampler_mutex);
	INIT_WORK(&chip->resample_work, resample_work_fn);
	INIT_LIST_HEAD(&chip->ioeventfds);
	mutex_init(&chip->ioeventfd_mutex);
}

void kvmx_eventfd_destroy(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_irqfd *irqfd, *tmp;
	struct kvmx_ioeventfd *ev, *etmp;
	unsigned long flags;
	LIST_HEAD(irqfds);

	spin_lock_irqsave(&chip->lock, flags);
	list_splice_init(&chip->irqfds, &irqfds);
	spin_unlock_irqrestore(&chip->lock, flags);
	list_for_each_entry_safe(irqfd, tmp, &irqfds, link)
		irqfd_release(irqfd);
	/* No vCPU is left to EOI, no resampler to signal. */
	cancel_work_sync(&chip->resample_work);

	/* No vCPU runs any more: no RCU reader is left on this list. */
	list_for_each_entry_safe(ev, etmp, &chip->ioeventfds, link) {
		list_del(&ev->link);
		eventfd_ctx_put(ev->eventfd);
		kfree(ev);
	}
}
