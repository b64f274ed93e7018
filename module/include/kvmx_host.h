/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx core: the vendor-neutral VM, vCPU and memslot objects.
 *
 * Lock order (outermost first; Documentation/locking.rst):
 *   kvmx_vm.lock -> kvmx_vcpu.mutex -> kvmx_vm.slots_lock -> kvmx_mmu.lock
 * where kvmx_mmu.lock is the spinlock of the VM's MMU object (kvmx_mmu.h,
 * in the x86 state: kvmx_x86_vm.mmu).
 * kvmx_vm.srcu protects readers of kvmx_vm.memslots.
 */
#ifndef KVMX_HOST_H
#define KVMX_HOST_H

#include <linux/kvm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/signal.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "kvmx_stats.h"

#define KVMX_API_VERSION	12

/* Limits reported through KVM_CHECK_EXTENSION. */
#define KVMX_USER_MEMSLOTS	509	/* KVM_CAP_NR_MEMSLOTS */
#define KVMX_MAX_VCPUS		255	/* KVM_CAP_MAX_VCPUS */
#define KVMX_MAX_VCPU_IDS	1024	/* KVM_CAP_MAX_VCPU_ID: vcpu_id < this */
/* Guest-physical address bits four-level NPT/EPT tables translate. */
#define KVMX_TDP_GPA_BITS	48
#define KVMX_MEM_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)
#define KVMX_DIRTY_LOG_PROTECT_FLAGS \
	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)

/* Pages of the vCPU mmap area: kvm_run, the PIO data, the coalesced ring. */
#define KVMX_VCPU_MMAP_PAGES	(KVM_COALESCED_MMIO_PAGE_OFFSET + 1)

struct kvmx_vm;
struct kvmx_vcpu;

/**
 * struct kvmx_memslot - one guest-physical range backed by user memory
 * @base_gfn:        first guest frame of the slot
 * @npages:          number of 4 KiB frames; 0 marks an unused id
 * @userspace_addr:  host virtual address of base_gfn in the VMM's mm
 * @flags:           KVM_MEM_* flags (READONLY, LOG_DIRTY_PAGES)
 * @id:              slot number as userspace named it
 * @dirty_bitmap:    one bit per page written since the last harvest, while
 *                   LOG_DIRTY_PAGES is set (else NULL); bits are set and
 *                   cleared atomically, the pointer itself is immutable
 *
 * Immutable once published in a struct kvmx_memslots (but for the bits of
 * @dirty_bitmap).
 */
struct kvmx_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;
	u16 id;
	unsigned long *dirty_bitmap;
};

/**
 * struct kvmx_memslots - one generation of the memslot set
 * @generation: bumped on every change, so cached translations can be checked
 * @nr_sorted:  number of valid entries in @sorted
 * @sorted:     indices into @slots of the used slots, ordered by base_gfn
 * @slots:      indexed by slot id
 *
 * Published with rcu_assign_pointer() under kvmx_vm.slots_lock and read
 * under kvmx_vm.srcu; never modified after publication (copy on update).
 */
struct kvmx_memslots {
	u64 generation;
	int nr_sorted;
	u16 sorted[KVMX_USER_MEMSLOTS];
	struct kvmx_memslot slots[KVMX_USER_MEMSLOTS];
};

/**
 * struct kvmx_vm - one virtual machine (one VM file descriptor)
 * @users:       references: the VM fd and one per vCPU fd
 * @lock:        serialises vCPU creation and VM-wide configuration ioctls
 * @slots_lock:  serialises memslot updates (writers of @memslots)
 * @srcu:        readers of @memslots (fault paths, guest memory access)
 * @memslots:    current memslot generation (__rcu, see struct kvmx_memslots)
 * @mm:          the creating process's mm; guest memory lives there (grabbed)
 * @mn:          MMU notifier on @mm: drops guest mappings the host changes
 * @vcpus:       vCPUs by creation index, @nr_vcpus of them; written under
 *               @lock, readable locklessly after smp_load_acquire(@nr_vcpus)
 * @nr_vcpus:    number of created vCPUs
 * @max_vcpu_ids: vCPU ids must be below this; 0 until KVM_ENABLE_CAP(
 *               KVM_CAP_MAX_VCPU_ID) or the first vCPU fixes it (@lock)
 * @manual_dirty_protect: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags enabled
 *               (@slots_lock): GET_DIRTY_LOG then leaves protection to
 *               CLEAR_DIRTY_LOG
 * @dead:        set once a host-side impossibility was seen; every later
 *               ioctl fails with -EIO
 * @coalesced_lock: protects @coalesced_zones, @nr_coalesced_zones and the
 *               kernel's side of @coalesced_ring (core/coalesced.c)
 * @coalesced_zones: zones from KVM_REGISTER_COALESCED_MMIO
 * @nr_coalesced_zones: their number
 * @coalesced_ring: the coalesced MMIO/PIO ring page, mapped by every vCPU
 * @stat:        statistics (kvmx_stats.h: each counter names its lock)
 * @arch:        x86 and vendor state, owned by module/x86/
 */
struct kvmx_vm {
	refcount_t users;
	struct mutex lock;		/* vCPU creation, VM configuration */
	struct mutex slots_lock;	/* memslot writers, dirty-log harvest */
	struct srcu_struct srcu;
	struct kvmx_memslots __rcu *memslots;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct kvmx_vcpu *vcpus[KVMX_MAX_VCPUS];
	int nr_vcpus;
	u32 max_vcpu_ids;
	u64 manual_dirty_protect;
	bool dead;
	spinlock_t coalesced_lock;	/* zones and the kernel side of the ring */
	struct list_head coalesced_zones;
	int nr_coalesced_zones;
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	struct kvmx_vm_stat stat;
	void *arch;
};

/**
 * struct kvmx_vcpu - one virtual CPU (one vCPU file descriptor)
 * @vm:       owning VM (holds a reference on it)
 * @vcpu_id:  the id userspace chose (the initial APIC ID)
 * @index:    position in kvmx_vm.vcpus
 * @mutex:    serialises the vCPU ioctls; held for all of KVM_RUN
 * @run:      the shared struct kvm_run page (mmap offset 0)
 * @pio_data: the PIO data page (mmap page KVM_PIO_PAGE_OFFSET)
 * @cpu:      host CPU this vCPU is loaded on, -1 while not loaded
 * @requests: pending KVMX_REQ_* bits (module/include/kvmx_x86.h): set by
 *            anyone with kvmx_make_request(), consumed by the vCPU's own
 *            thread before entry (atomic bit operations, no lock)
 * @sigset_active, @sigset: KVM_SET_SIGNAL_MASK: the thread's signal mask
 *            while in KVM_RUN (@mutex)
 * @stat:     statistics, written under @mutex (kvmx_stats.h)
 * @arch:     x86 state (struct kvmx_x86_vcpu), set by kvmx_arch_vcpu_create
 */
struct kvmx_vcpu {
	struct kvmx_vm *vm;
	u32 vcpu_id;
	int index;
	struct mutex mutex;		/* every vCPU ioctl, all of KVM_RUN */
	struct kvm_run *run;
	void *pio_data;
	int cpu;
	unsigned long requests;
	bool sigset_active;
	sigset_t sigset;
	struct kvmx_vcpu_stat stat;
	void *arch;
};

/* core/main.c */
extern struct miscdevice kvmx_dev;
long kvmx_check_extension(struct kvmx_vm *vm, long ext);

/* core/vm.c */
int kvmx_create_vm(unsigned long type);
void kvmx_vm_put(struct kvmx_vm *vm);
void kvmx_vm_mark_dead(struct kvmx_vm *vm, const char *why);
/* KVM_ENABLE_CAP's argument (VM or vCPU fd): 0, -EFAULT, -EINVAL (flags). */
int kvmx_get_enable_cap(struct kvm_enable_cap *cap, const void __user *argp);

/*
 * KVMX_VM_DEAD_ON - an impossible host-side condition about @vm (kvm's
 * KVM_BUG_ON()): when @cond holds, warn once per call site and mark the
 * VM dead, so that every later ioctl of the VM and of its vCPUs fails with
 * -EIO.  Evaluates to @cond.  Never for what a guest or userspace can
 * cause: those get an exception, an exit or an error code.
 */
#define KVMX_VM_DEAD_ON(cond, vm)					\
({									\
	bool __kvmx_bug = !!(cond);					\
									\
	if (WARN_ON_ONCE(__kvmx_bug))					\
		kvmx_vm_mark_dead(vm, #cond);				\
	__kvmx_bug;							\
})

/* core/coalesced.c */
int kvmx_coalesced_init(struct kvmx_vm *vm);
void kvmx_coalesced_destroy(struct kvmx_vm *vm);
long kvmx_coalesced_ioctl(struct kvmx_vm *vm,
			  struct kvm_coalesced_mmio_zone __user *u, bool add);
bool kvmx_coalesced_write(struct kvmx_vm *vm, u64 addr, u32 len,
			  const void *data, bool pio);

/* core/memslot.c */
int kvmx_memslots_init(struct kvmx_vm *vm);
void kvmx_memslots_free(struct kvmx_vm *vm);
int kvmx_set_memory_region(struct kvmx_vm *vm,
			   const struct kvm_userspace_memory_region *mem);
const struct kvmx_memslot *kvmx_gfn_to_memslot(struct kvmx_vm *vm, u64 gfn);
void kvmx_mark_dirty(const struct kvmx_memslot *slot, u64 gfn);
long kvmx_get_dirty_log(struct kvmx_vm *vm, struct kvm_dirty_log __user *u);
long kvmx_clear_dirty_log(struct kvmx_vm *vm,
			  struct kvm_clear_dirty_log __user *u);
unsigned long kvmx_gfn_to_hva(const struct kvmx_memslot *slot, u64 gfn);
int kvmx_read_guest(struct kvmx_vm *vm, u64 gpa, void *buf, unsigned long len);
int kvmx_write_guest(struct kvmx_vm *vm, u64 gpa, const void *buf,
		     unsigned long len);
int kvmx_cmpxchg_guest(struct kvmx_vm *vm, u64 gpa, u64 old, u64 new,
		       unsigned int size);

/* core/mmu_notifier.c */
int kvmx_mmu_notifier_register(struct kvmx_vm *vm);
void kvmx_mmu_notifier_unregister(struct kvmx_vm *vm);

/* core/vcpu.c */
int kvmx_create_vcpu(struct kvmx_vm *vm, unsigned long id);
void kvmx_vcpu_destroy(struct kvmx_vcpu *vcpu);

/* core/hwenable.c: virtualization on while at least one VM exists. */
int kvmx_hw_init(void);
void kvmx_hw_exit(void);
int kvmx_hw_get(void);
void kvmx_hw_put(void);

#endif
