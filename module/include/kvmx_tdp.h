/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging (AMD NPT, Intel EPT): 4-level tables that map
 * guest-physical to host-physical, built on demand from the memslots.
 * The entry format differs per vendor and is described by data
 * (struct kvmx_tdp_format); the walking and the lifetime rules are shared.
 */
#ifndef KVMX_TDP_H
#define KVMX_TDP_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "kvmx_host.h"

/**
 * struct kvmx_tdp_format - vendor entry encoding
 * @present:   bits any of which make an entry present
 * @table:     bits of a non-leaf entry (besides the address)
 * @leaf_rw:   bits of a writable 4 KiB leaf
 * @leaf_ro:   bits of a read-only 4 KiB leaf
 * @writable:  the bit that makes a leaf writable (cleared to log writes)
 * @large:     the page-size bit of 2 MiB / 1 GiB leaves
 */
struct kvmx_tdp_format {
	u64 present;
	u64 table;
	u64 leaf_rw;
	u64 leaf_ro;
	u64 writable;
	u64 large;
};

/**
 * struct kvmx_tdp - one VM's TDP tables
 * @root:      top-level table (PML4), allocated at VM creation
 * @root_pa:   its physical address, for the VMCB/VMCS
 * @fmt:       entry encoding
 * @lock:      protects every table entry and @nr_tables (the mmu_lock)
 * @nr_tables: table pages allocated, the root included
 * @mn_seq:    bumped by every host mm invalidation (@lock); a fault that
 *             looked the page up before a bump must not install it
 * @mn_active: host mm invalidations in progress (@lock); no fault installs
 *             a mapping while one runs
 */
struct kvmx_tdp {
	u64 *root;
	u64 root_pa;
	const struct kvmx_tdp_format *fmt;
	spinlock_t lock;	/* the mmu_lock: entries, nr_tables, mn_* */
	unsigned long nr_tables;
	unsigned long mn_seq;
	long mn_active;
};

/* Result of kvmx_tdp_fault(). */
enum kvmx_tdp_result {
	KVMX_TDP_MAPPED,	/* retry the access */
	KVMX_TDP_MMIO,		/* no memslot, or a write to a read-only one */
	KVMX_TDP_RETRY,		/* raced with a host mm change: re-enter */
};

/*
 * Table pages for a walk that runs under the mmu lock: allocate zeroed
 * pages with the lock dropped until @nspare reaches @n (0, or -ENOMEM with
 * what was allocated counted), and give back the @nspare left unused.
 */
int kvmx_mmu_get_spares(void **spare, int *nspare, int n);
void kvmx_mmu_put_spares(void **spare, int nspare);

int kvmx_tdp_init(struct kvmx_tdp *tdp, const struct kvmx_tdp_format *fmt);
void kvmx_tdp_destroy(struct kvmx_tdp *tdp);
/* Map the page behind @gpa; -EFAULT if the VMM's memory is not there. */
int kvmx_tdp_fault(struct kvmx_vm *vm, struct kvmx_tdp *tdp, u64 gpa,
		   bool write);
/* Unmap [gfn, gfn + npages) and make every vCPU flush before re-entry. */
void kvmx_tdp_zap(struct kvmx_tdp *tdp, u64 gfn, u64 npages);
/* Make the pages @mask names (bit i = gfn + i) read-only; no flush. */
void kvmx_tdp_write_protect(struct kvmx_tdp *tdp, u64 gfn, unsigned long mask);
/* KVMX_REQ_TLB_FLUSH on every vCPU, which leaves guest mode first. */
void kvmx_tdp_flush(struct kvmx_tdp *tdp);
/* Host mm invalidation brackets (from the VM's MMU notifier). */
void kvmx_tdp_invalidate_begin(struct kvmx_tdp *tdp);
void kvmx_tdp_invalidate_end(struct kvmx_tdp *tdp);

#endif
