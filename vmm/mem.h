/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM: one anonymous host mapping, 2 MiB-aligned, split into at most
 * two guest ranges around the 32-bit MMIO hole (see layout.h).
 */
#ifndef KVMX_VMM_MEM_H
#define KVMX_VMM_MEM_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_MEM_MAX_RANGES	2
#define E820_MAX		8

/* Values of struct boot_e820_entry.type. */
enum e820_type {
	E820_TYPE_RAM		= 1,
	E820_TYPE_RESERVED	= 2,
	E820_TYPE_ACPI		= 3,
};

struct guest_mem_range {
	uint64_t gpa;		/* guest physical start */
	uint64_t size;		/* bytes */
	uint8_t *hva;		/* host address of gpa */
};

/* Set up by guest_mem_init(), read-only afterwards: no lock needed. */
struct guest_mem {
	uint64_t ram_size;	/* bytes of RAM the user asked for */
	uint8_t *host_base;	/* the 2 MiB-aligned host mapping */
	uint64_t host_size;
	void *map_base;		/* what mmap returned (for munmap) */
	uint64_t map_size;
	int nr_ranges;
	struct guest_mem_range ranges[GUEST_MEM_MAX_RANGES];
};

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* Compute the guest ranges only (no host memory): pure, unit-tested. */
int guest_mem_plan(struct guest_mem *mem, uint64_t ram_size);
/* Plan and allocate; the error line names --mem. */
int guest_mem_init(struct guest_mem *mem, uint64_t ram_size);
void guest_mem_exit(struct guest_mem *mem);

/* Host pointer for [gpa, gpa+len) if it lies within one RAM range, or NULL. */
void *gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
/* End of the RAM range starting at 0 (the "low" RAM below the hole). */
uint64_t guest_mem_low_end(const struct guest_mem *mem);

/* The e820 map the guest sees; returns the number of entries. */
int guest_mem_e820(const struct guest_mem *mem, struct e820_entry *map, int max);

#endif /* KVMX_VMM_MEM_H */
