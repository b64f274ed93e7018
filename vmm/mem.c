// SPDX-License-Identifier: GPL-2.0
/* Guest RAM allocation, translation and the e820 map. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "layout.h"
#include "mem.h"
#include "util.h"

int guest_mem_plan(struct guest_mem *mem, uint64_t ram_size)
{
	uint64_t low;

	memset(mem, 0, sizeof(*mem));
	if (ram_size < LAYOUT_RAM_MIN || ram_size % LAYOUT_RAM_ALIGN)
		return -EINVAL;
	/* 1 TiB is far beyond what anyone runs with this VMM. */
	if (ram_size > (1ULL << 40))
		return -E2BIG;
	mem->ram_size = ram_size;
	low = MIN(ram_size, LAYOUT_MMIO_HOLE_GPA);
	mem->ranges[0] = (struct guest_mem_range){ .gpa = 0, .size = low };
	mem->nr_ranges = 1;
	if (ram_size > low) {
		mem->ranges[1] = (struct guest_mem_range){
			.gpa = LAYOUT_HIGH_RAM_GPA, .size = ram_size - low,
		};
		mem->nr_ranges = 2;
	}
	return 0;
}

int guest_mem_init(struct guest_mem *mem, uint64_t ram_size)
{
	uint64_t off = 0;
	uint8_t *p;
	int i, err;

	err = guest_mem_plan(mem, ram_size);
	if (err == -EINVAL) {
		vmm_error("--mem: %llu bytes is not a multiple of 2 MiB (at least 2 MiB)",
			  (unsigned long long)ram_size);
		return err;
	}
	if (err)
		return vmm_error_errno(-err, "--mem %llu", (unsigned long long)ram_size);

	/* Over-allocate by one alignment unit so the RAM can start 2 MiB-aligned. */
	mem->map_size = ram_size + LAYOUT_RAM_ALIGN;
	mem->map_base = mmap(NULL, mem->map_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem->map_base == MAP_FAILED) {
		mem->map_base = NULL;
		return vmm_error_errno(errno, "allocating %llu MiB of guest RAM",
				       (unsigned long long)(ram_size >> 20));
	}
	p = (uint8_t *)ALIGN_UP((uintptr_t)mem->map_base, LAYOUT_RAM_ALIGN);
	mem->host_base = p;
	mem->host_size = ram_size;
	/* Huge pages are a request, not a requirement: ignore EINVAL (no THP). */
	madvise(p, ram_size, MADV_HUGEPAGE);
	for (i = 0; i < mem->nr_ranges; i++) {
		mem->ranges[i].hva = p + off;
		off += mem->ranges[i].size;
	}
	return 0;
}

void guest_mem_exit(struct guest_mem *mem)
{
	if (mem->map_base)
		munmap(mem->map_base, mem->map_size);
	mem->map_base = NULL;
}

void *gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < mem->nr_ranges; i++) {
		const struct guest_mem_range *r = &mem->ranges[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->hva ? r->hva + (gpa - r->gpa) : NULL;
	}
	return NULL;
}

uint64_t guest_mem_low_end(const struct guest_mem *mem)
{
	return mem->ranges[0].size;
}

static int e820_add(struct e820_entry *map, int n, int max, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (n >= max || !size)
		return n;
	map[n] = (struct e820_entry){ .addr = addr, .size = size, .type = type };
	return n + 1;
}

int guest_mem_e820(const struct guest_mem *mem, struct e820_entry *map, int max)
{
	uint64_t low_end = guest_mem_low_end(mem);
	int n = 0;

	n = e820_add(map, n, max, 0, MIN(low_end, LAYOUT_EBDA_GPA), E820_TYPE_RAM);
	n = e820_add(map, n, max, LAYOUT_EBDA_GPA,
		     LAYOUT_HIGH_MEMORY_GPA - LAYOUT_EBDA_GPA, E820_TYPE_RESERVED);
	if (low_end > LAYOUT_HIGH_MEMORY_GPA)
		n = e820_add(map, n, max, LAYOUT_HIGH_MEMORY_GPA,
			     low_end - LAYOUT_HIGH_MEMORY_GPA, E820_TYPE_RAM);
	if (mem->nr_ranges > 1)
		n = e820_add(map, n, max, mem->ranges[1].gpa, mem->ranges[1].size,
			     E820_TYPE_RAM);
	return n;
}
