// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: the map from guest-physical frames to the VMM's memory.
 *
 * Each change builds a new struct kvmx_memslots (copy on update) under
 * slots_lock, publishes it, waits for SRCU readers of the old one, then lets
 * the arch layer drop mappings of the slot that went away or moved.
 * The validation follows kvm's rules for KVM_SET_USER_MEMORY_REGION.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmx_arch.h"

/* kvm refuses slots larger than this many pages. */
#define KVMX_MEM_MAX_NR_PAGES	((1ULL << 31) - 1)

static struct kvmx_memslots *slots_locked(struct kvmx_vm *vm)
{
	return rcu_dereference_protected(vm->memslots,
					 lockdep_is_held(&vm->slots_lock));
}

int kvmx_memslots_init(struct kvmx_vm *vm)
{
	struct kvmx_memslots *slots;

	slots = kvzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots)
		return -ENOMEM;
	RCU_INIT_POINTER(vm->memslots, slots);
	return 0;
}

void kvmx_memslots_free(struct kvmx_vm *vm)
{
	struct kvmx_memslots *slots = rcu_dereference_protected(vm->memslots, 1);
	int id;

	if (slots)
		for (id = 0; id < KVMX_USER_MEMSLOTS; id++)
			kvfree(slots->slots[id].dirty_bitmap);
	kvfree(slots);
	RCU_INIT_POINTER(vm->memslots, NULL);
}

/* Rebuild the gfn-ordered index after @slots->slots changed (insertion sort). */
static void memslots_resort(struct kvmx_memslots *slots)
{
	int id, i, n = 0;

	for (id = 0; id < KVMX_USER_MEMSLOTS; id++) {
		if (!slots->slots[id].npages)
			continue;
		for (i = n; i > 0 &&
		     slots->slots[slots->sorted[i - 1]].base_gfn >
		     slots->slots[id].base_gfn; i--)
			slots->sorted[i] = slots->sorted[i - 1];
		slots->sorted[i] = id;
		n++;
	}
	slots->nr_sorted = n;
}

static const struct kvmx_memslot *
__gfn_to_memslot(const struct kvmx_memslots *slots, u64 gfn)
{
	int lo = 0, hi = slots->nr_sorted - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct kvmx_memslot *s = &slots->slots[slots->sorted[mid]];

		if (gfn < s->base_gfn)
			hi = mid - 1;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/* Caller holds vm->srcu (or slots_lock); the slot stays valid while it does. */
const struct kvmx_memslot *kvmx_gfn_to_memslot(struct kvmx_vm *vm, u64 gfn)
{
	return __gfn_to_memslot(srcu_dereference_check(vm->memslots, &vm->srcu,
					lockdep_is_held(&vm->slots_lock)), gfn);
}

unsigned long kvmx_gfn_to_hva(const struct kvmx_memslot *slot, u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

static size_t dirty_bitmap_bytes(u64 npages)
{
	return BITS_TO_LONGS(npages) * sizeof(long);
}

static void write_protect_all(struct kvmx_vm *vm, const struct kvmx_memslot *slot)
{
	u64 first;

	for (first = 0; first < slot->npages; first += BITS_PER_LONG)
		kvmx_arch_write_protect(vm, slot, first, ~0UL);
	kvmx_arch_flush_tlbs(vm);
}

void kvmx_mark_dirty(const struct kvmx_memslot *slot, u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

static bool overlaps(const struct kvmx_memslots *slots, int id, u64 start,
		     u64 end)
{
	int i;

	for (i = 0; i < slots->nr_sorted; i++) {
		const struct kvmx_memslot *s = &slots->slots[slots->sorted[i]];

		if (s->id == id)
			continue;
		if (start < s->base_gfn + s->npages && s->base_gfn < end)
			return true;
	}
	return false;
}

/* Checks that do not depend on the current slot set. */
static int check_region(const struct kvm_userspace_memory_region *mem)
{
	u16 id = mem->slot & 0xffff, as_id = mem->slot >> 16;

	if (mem->flags & ~KVMX_MEM_FLAGS)
		return -EINVAL;
	if (as_id || id >= KVMX_USER_MEMSLOTS)
		return -EINVAL;
	if ((mem->memory_size & (PAGE_SIZE - 1)) ||
	    (mem->guest_phys_addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	/* A zero size deletes; the address is then not looked at. */
	if (mem->memory_size &&
	    ((mem->userspace_addr & (PAGE_SIZE - 1)) ||
	     mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	     !access_ok((void __user *)(unsigned long)mem->userspace_addr,
			mem->memory_size)))
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > KVMX_MEM_MAX_NR_PAGES)
		return -EINVAL;
	/*
	 * Guest-physical addresses beyond the host's MAXPHYADDR, or beyond
	 * what four levels of NPT/EPT reach (48 bits), cannot map.
	 */
	if (mem->memory_size &&
	    (mem->guest_phys_addr + mem->memory_size - 1) >>
	    min_t(int, boot_cpu_data.x86_phys_bits, KVMX_TDP_GPA_BITS))
		return -EINVAL;
	return 0;
}

int kvmx_set_memory_region(struct kvmx_vm *vm,
			   const struct kvm_userspace_memory_region *mem)
{
	u16 id = mem->slot & 0xffff;
	u64 base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	struct kvmx_memslots *old_slots, *new_slots;
	struct kvmx_memslot old;
	unsigned long *bitmap;
	bool unmapping, log;
	int r;

	r = check_region(mem);
	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	old_slots = slots_locked(vm);
	old = old_slots->slots[id];

	r = -EINVAL;
	if (!npages) {
		if (!old.npages)
			goto out;		/* deleting a slot that is not there */
	} else if (old.npages) {
		/* Only the base gfn and the dirty-log flag may change. */
		if (mem->userspace_addr != old.userspace_addr ||
		    npages != old.npages ||
		    ((mem->flags ^ old.flags) & KVM_MEM_READONLY))
			goto out;
		r = 0;
		if (base_gfn == old.base_gfn && mem->flags == old.flags)
			goto out;
	}

	if (npages && (!old.npages || base_gfn != old.base_gfn) &&
	    overlaps(old_slots, id, base_gfn, base_gfn + npages)) {
		r = -EEXIST;
		goto out;
	}

	/* The dirty bitmap follows the slot while logging stays on. */
	log = npages && (mem->flags & KVM_MEM_LOG_DIRTY_PAGES);
	bitmap = log ? old.dirty_bitmap : NULL;
	if (log && !bitmap) {
		bitmap = kvzalloc(dirty_bitmap_bytes(npages), GFP_KERNEL_ACCOUNT);
		if (!bitmap) {
			r = -ENOMEM;
			goto out;
		}
		if (vm->manual_dirty_protect & KVM_DIRTY_LOG_INITIALLY_SET)
			bitmap_set(bitmap, 0, npages);
	}

	r = -ENOMEM;
	new_slots = kvmalloc(sizeof(*new_slots), GFP_KERNEL_ACCOUNT);
	if (!new_slots) {
		if (bitmap != old.dirty_bitmap)
			kvfree(bitmap);
		goto out;
	}
	memcpy(new_slots, old_slots, sizeof(*new_slots));
	new_slots->generation++;
	new_slots->slots[id] = (struct kvmx_memslot) {
		.base_gfn	= npages ? base_gfn : 0,
		.npages		= npages,
		.userspace_addr	= npages ? mem->userspace_addr : 0,
		.flags		= npages ? mem->flags : 0,
		.id		= id,
		.dirty_bitmap	= bitmap,
	};
	memslots_resort(new_slots);

	rcu_assign_pointer(vm->memslots, new_slots);
	synchronize_srcu_expedited(&vm->srcu);

	/* Deletion and move drop every mapping of the old range. */
	unmapping = old.npages && (!npages || base_gfn != old.base_gfn);
	if (unmapping)
		kvmx_arch_memslot_removed(vm, &old);
	if (old.dirty_bitmap && old.dirty_bitmap != bitmap)
		kvfree(old.dirty_bitmap);
	/* Logging starts on a mapped slot: its writes must fault again. */
	if (log && !old.dirty_bitmap && old.npages && !unmapping &&
	    !(vm->manual_dirty_protect & KVM_DIRTY_LOG_INITIALLY_SET))
		write_protect_all(vm, &new_slots->slots[id]);
	kvfree(old_slots);
	r = 0;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * Copy between a kernel buffer and guest memory.  Must run in the VMM's mm
 * (every vCPU and VM ioctl checks that).  Fails with -EFAULT where no memslot
 * backs a page, or on a write to a read-only slot.
 */
static int guest_copy(struct kvmx_vm *vm, u64 gpa, void *buf,
		      unsigned long len, bool write)
{
	int idx, r = 0;

	idx = srcu_read_lock(&vm->srcu);
	while (len) {
		u64 gfn = gpa >> PAGE_SHIFT;
		unsigned long off = offset_in_page(gpa);
		unsigned long n = min_t(unsigned long, len, PAGE_SIZE - off);
		const struct kvmx_memslot *slot = kvmx_gfn_to_memslot(vm, gfn);
		void __user *hva;

		if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
			r = -EFAULT;
			break;
		}
		hva = (void __user *)(kvmx_gfn_to_hva(slot, gfn) + off);
		if (write ? copy_to_user(hva, buf, n) : copy_from_user(buf, hva, n)) {
			r = -EFAULT;
			break;
		}
		if (write)
			kvmx_mark_dirty(slot, gfn);
		gpa += n;
		buf += n;
		len -= n;
	}
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

int kvmx_read_guest(struct kvmx_vm *vm, u64 gpa, void *buf, unsigned long len)
{
	return guest_copy(vm, gpa, buf, len, false);
}

int kvmx_write_guest(struct kvmx_vm *vm, u64 gpa, const void *buf,
		     unsigned long len)
{
	return guest_copy(vm, gpa, (void *)buf, len, true);
}

/* The slot named by a dirty-log ioctl; slots_lock held. */
static const struct kvmx_memslot *log_slot(struct kvmx_vm *vm, u32 slot_arg,
					   long *err)
{
	u16 id = slot_arg & 0xffff, as_id = slot_arg >> 16;
	const struct kvmx_memslot *slot;

	*err = -EINVAL;
	if (as_id || id >= KVMX_USER_MEMSLOTS)
		return NULL;
	slot = &slots_locked(vm)->slots[id];
	*err = -ENOENT;
	if (!slot->npages || !slot->dirty_bitmap)
		return NULL;
	return slot;
}

/*
 * KVM_GET_DIRTY_LOG: report the pages written since the last call.  Unless
 * manual protection is on, harvesting clears the bits and write-protects
 * those pages again, so the next write is logged.
 */
long kvmx_get_dirty_log(struct kvmx_vm *vm, struct kvm_dirty_log __user *u)
{
	const struct kvmx_memslot *slot;
	struct kvm_dirty_log log;
	unsigned long *buf;
	size_t i, n;
	bool flush = false;
	long r;

	if (copy_from_user(&log, u, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	slot = log_slot(vm, log.slot, &r);
	if (!slot)
		goto out;
	n = BITS_TO_LONGS(slot->npages);
	r = -ENOMEM;
	buf = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out;
	for (i = 0; i < n; i++) {
		if (vm->manual_dirty_protect) {
			buf[i] = READ_ONCE(slot->dirty_bitmap[i]);
			continue;
		}
		buf[i] = xchg(&slot->dirty_bitmap[i], 0);
		if (buf[i]) {
			kvmx_arch_write_protect(vm, slot, i * BITS_PER_LONG, buf[i]);
			flush = true;
		}
	}
	if (flush)
		kvmx_arch_flush_tlbs(vm);
	r = copy_to_user(log.dirty_bitmap, buf, n * sizeof(long)) ? -EFAULT : 0;
	kvfree(buf);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/* KVM_CLEAR_DIRTY_LOG: clear and re-protect the pages userspace names. */
long kvmx_clear_dirty_log(struct kvmx_vm *vm,
			  struct kvm_clear_dirty_log __user *u)
{
	const struct kvmx_memslot *slot;
	struct kvm_clear_dirty_log log;
	unsigned long __user *ubits;
	unsigned long bits, mask;
	atomic_long_t *wordp;
	bool flush = false;
	u64 i, word;
	long r;

	if (copy_from_user(&log, u, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	slot = log_slot(vm, log.slot, &r);
	if (!slot)
		goto out;
	r = -EINVAL;
	/* Whole longs only, except for the tail of the slot. */
	if ((log.first_page & (BITS_PER_LONG - 1)) ||
	    log.first_page >= slot->npages ||
	    log.num_pages > slot->npages - log.first_page ||
	    (log.num_pages < slot->npages - log.first_page &&
	     (log.num_pages & (BITS_PER_LONG - 1))))
		goto out;
	ubits = log.dirty_bitmap;
	r = 0;
	for (i = 0; i < log.num_pages; i += BITS_PER_LONG) {
		if (get_user(bits, ubits + i / BITS_PER_LONG)) {
			r = -EFAULT;
			break;
		}
		if (log.num_pages - i < BITS_PER_LONG)
			bits &= (1UL << (log.num_pages - i)) - 1;
		word = (log.first_page + i) / BITS_PER_LONG;
		wordp = (atomic_long_t *)&slot->dirty_bitmap[word];
		mask = atomic_long_fetch_andnot(bits, wordp);
		mask &= bits;
		if (mask) {
			kvmx_arch_write_protect(vm, slot, log.first_page + i, mask);
			flush = true;
		}
	}
	if (flush)
		kvmx_arch_flush_tlbs(vm);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * Atomically replace the @size-byte (4 or 8) value at @gpa by @new if it
 * holds @old: 0 when replaced, 1 when it held something else, -EFAULT
 * where no writable memslot backs it.  For guest page-table A/D updates.
 */
int kvmx_cmpxchg_guest(struct kvmx_vm *vm, u64 gpa, u64 old, u64 new,
		       unsigned int size)
{
	const struct kvmx_memslot *slot;
	unsigned long hva;
	int idx, r = -EFAULT;

	if (offset_in_page(gpa) + size > PAGE_SIZE || (size != 4 && size != 8))
		return -EINVAL;
	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gpa >> PAGE_SHIFT);
	if (!slot || (slot->flags & KVM_MEM_READONLY))
		goto out;
	hva = kvmx_gfn_to_hva(slot, gpa >> PAGE_SHIFT) + offset_in_page(gpa);
	if (size == 4) {
		u32 o = old;

		r = __try_cmpxchg_user((u32 __user *)hva, &o, (u32)new, efault4);
	} else {
		u64 o = old;

		r = __try_cmpxchg_user((u64 __user *)hva, &o, new, efault8);
	}
	if (!r)
		kvmx_mark_dirty(slot, gpa >> PAGE_SHIFT);
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
