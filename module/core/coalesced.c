// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and port I/O (KVM_REGISTER_COALESCED_MMIO).
 *
 * A guest write that falls entirely inside a zone userspace registered does
 * not exit: it is appended to a ring page shared by the whole VM (page
 * KVM_COALESCED_MMIO_PAGE_OFFSET of every vCPU mapping), which userspace
 * drains whenever it has control, before it handles any other exit.  Reads
 * in a zone, and writes that find the ring full, exit as usual, so nothing
 * is ever lost or reordered behind an exit.
 *
 * The kernel owns ring->last, userspace owns ring->first: an entry is
 * filled before last moves past it (smp_wmb), and first is read once per
 * append.  kvmx_vm.coalesced_lock serialises appends from several vCPUs and
 * zone changes from the VM ioctl; zones live in kvmx_vm.coalesced_zones.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kvmx_host.h"

/* kvm's limit: its I/O bus takes at most 1000 devices. */
#define KVMX_COALESCED_ZONES_MAX	1000

/* One registered zone, an entry of kvmx_vm.coalesced_zones. */
struct kvmx_coalesced_zone {
	struct list_head link;
	struct kvm_coalesced_mmio_zone zone;
};

int kvmx_coalesced_init(struct kvmx_vm *vm)
{
	spin_lock_init(&vm->coalesced_lock);
	INIT_LIST_HEAD(&vm->coalesced_zones);
	vm->coalesced_ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	return vm->coalesced_ring ? 0 : -ENOMEM;
}

void kvmx_coalesced_destroy(struct kvmx_vm *vm)
{
	struct kvmx_coalesced_zone *z, *tmp;

	list_for_each_entry_safe(z, tmp, &vm->coalesced_zones, link)
		kfree(z);
	free_page((unsigned long)vm->coalesced_ring);
}

/* Does [@addr, @addr + @len) lie inside @z (of the same address space)? */
static bool zone_covers(const struct kvm_coalesced_mmio_zone *z, u64 addr,
			u64 len, u32 pio)
{
	return z->pio == pio && addr >= z->addr && addr + len >= addr &&
	       addr + len <= z->addr + z->size;
}

/*
 * KVM_REGISTER_COALESCED_MMIO adds a zone; KVM_UNREGISTER_COALESCED_MMIO
 * removes every zone that contains the given range (none is not an error).
 */
long kvmx_coalesced_ioctl(struct kvmx_vm *vm,
			  struct kvm_coalesced_mmio_zone __user *u, bool add)
{
	struct kvmx_coalesced_zone *z, *tmp;
	struct kvm_coalesced_mmio_zone zone;
	LIST_HEAD(dead);

	if (copy_from_user(&zone, u, sizeof(zone)))
		return -EFAULT;
	if (zone.pio > 1)
		return -EINVAL;
	if (add) {
		z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
		if (!z)
			return -ENOMEM;
		z->zone = zone;
		spin_lock(&vm->coalesced_lock);
		if (vm->nr_coalesced_zones >= KVMX_COALESCED_ZONES_MAX) {
			spin_unlock(&vm->coalesced_lock);
			kfree(z);
			return -ENOSPC;
		}
		list_add_tail(&z->link, &vm->coalesced_zones);
		vm->nr_coalesced_zones++;
		spin_unlock(&vm->coalesced_lock);
		return 0;
	}
	spin_lock(&vm->coalesced_lock);
	list_for_each_entry_safe(z, tmp, &vm->coalesced_zones, link) {
		if (zone_covers(&z->zone, zone.addr, zone.size, zone.pio)) {
			list_move(&z->link, &dead);
			vm->nr_coalesced_zones--;
		}
	}
	spin_unlock(&vm->coalesced_lock);
	list_for_each_entry_safe(z, tmp, &dead, link)
		kfree(z);
	return 0;
}

/*
 * A guest write of @len bytes at @addr (a port if @pio): true if it went
 * into the ring and needs no exit.
 */
bool kvmx_coalesced_write(struct kvmx_vm *vm, u64 addr, u32 len,
			  const void *data, bool pio)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced_ring;
	struct kvm_coalesced_mmio *e;
	const struct kvmx_coalesced_zone *z;
	bool done = false;
	u32 last;

	if (len > sizeof(e->data) || list_empty_careful(&vm->coalesced_zones))
		return false;
	spin_lock(&vm->coalesced_lock);
	list_for_each_entry(z, &vm->coalesced_zones, link) {
		if (!zone_covers(&z->zone, addr, len, pio))
			continue;
		last = READ_ONCE(ring->last);
		if (last >= KVM_COALESCED_MMIO_MAX ||
		    (last + 1) % KVM_COALESCED_MMIO_MAX == READ_ONCE(ring->first))
			break;	/* full (or userspace broke it): exit instead */
		e = &ring->coalesced_mmio[last];
		e->phys_addr = addr;
		e->len = len;
		e->pio = pio;
		memcpy(e->data, data, len);
		smp_wmb();	/* the entry before the index that publishes it */
		WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
		done = true;
		break;
	}
	spin_unlock(&vm->coalesced_lock);
	return done;
}
