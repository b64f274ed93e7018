/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging (AMD NPT, Intel EPT): 4-level tables that map
 * guest-physical to host-physical, built on demand from the memslots.
 * The entry format differs per vendor and is described by data
 * (struct kvmx_tdp_format); the walking and the lifetime rules are shared.
 * The nested-paging implementation of the VM's MMU (kvmx_mmu.h), which
 * owns the lock and the invalidation sequence these tables are used under.
 */
#ifndef KVMX_TDP_H
#define KVMX_TDP_H

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
 * struct kvmx_tdp - one VM's TDP tables (kvmx_mmu.tdp)
 * @root:      top-level table (PML4), allocated at VM creation
 * @root_pa:   its physical address, for the VMCB/VMCS (constant)
 * @fmt:       entry encoding (constant)
 * @nr_tables: table pages allocated, the root included (kvmx_mmu.lock)
 *
 * Every entry is changed under kvmx_mmu.lock; the hardware walks the
 * tables concurrently, so entries are written with WRITE_ONCE().
 */
struct kvmx_tdp {
	u64 *root;
	u64 root_pa;
	const struct kvmx_tdp_format *fmt;
	unsigned long nr_tables;
};

/*
 * Table pages for a walk that runs under the mmu lock: allocate zeroed
 * pages with the lock dropped until @nspare reaches @n (0, or -ENOMEM with
 * what was allocated counted), and give back the @nspare left unused.
 */
int kvmx_mmu_get_spares(void **spare, int *nspare, int n);
void kvmx_mmu_put_spares(void **spare, int nspare);

/* The tables' life: kvmx_mmu_init() and kvmx_mmu_destroy(). */
int kvmx_tdp_init(struct kvmx_tdp *tdp, const struct kvmx_tdp_format *fmt);
void kvmx_tdp_destroy(struct kvmx_tdp *tdp);

#endif
