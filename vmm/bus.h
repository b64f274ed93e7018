/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PIO and MMIO bus registry: address ranges mapped to device callbacks.
 *
 * main() registers every device before the first vCPU runs; afterwards the
 * registry is only read, so lookups take no lock.  Devices that keep state
 * shared between vCPU threads (or the I/O thread) lock it themselves.
 */
#ifndef KVMX_VMM_BUS_H
#define KVMX_VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_RANGES	32

/*
 * One access.  @offset is relative to the range's base; @data holds @len
 * (1, 2, 4 or 8) bytes in guest (little-endian) order.  A read fills @data.
 */
typedef void (*bus_access_fn)(void *opaque, uint64_t offset, uint8_t *data,
			      uint32_t len, bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t size;
	const char *name;	/* for messages: "uart", "rtc", ... */
	bus_access_fn access;
	void *opaque;
};

struct bus {
	const char *name;	/* "pio" or "mmio" */
	int nr_ranges;
	struct bus_range ranges[BUS_MAX_RANGES];	/* sorted by base */
};

void bus_init(struct bus *bus, const char *name);
/* -EEXIST on overlap, -ENOSPC when full, -EINVAL for an empty/wrapping range. */
int bus_register(struct bus *bus, uint64_t base, uint64_t size, const char *name,
		 bus_access_fn access, void *opaque);
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, uint32_t len);
/*
 * Dispatch; returns false when no device claims [addr, addr+len): reads
 * then return all ones, writes are dropped (the caller decides to log).
 */
bool bus_access(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len,
		bool is_write);

#endif /* KVMX_VMM_BUS_H */
