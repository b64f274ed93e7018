// SPDX-License-Identifier: GPL-2.0
/* PIO/MMIO range registry and dispatch. */
#include <errno.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t size, const char *name,
		 bus_access_fn access, void *opaque)
{
	int i, pos;

	if (!size || base + size < base || !access)
		return -EINVAL;
	if (bus->nr_ranges == BUS_MAX_RANGES)
		return -ENOSPC;
	for (pos = 0; pos < bus->nr_ranges; pos++) {
		const struct bus_range *r = &bus->ranges[pos];

		if (base < r->base + r->size && r->base < base + size)
			return -EEXIST;
		if (base < r->base)
			break;
	}
	for (i = pos; i < bus->nr_ranges; i++) {
		const struct bus_range *r = &bus->ranges[i];

		if (base < r->base + r->size && r->base < base + size)
			return -EEXIST;
	}
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(bus->nr_ranges - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct bus_range){
		.base = base, .size = size, .name = name,
		.access = access, .opaque = opaque,
	};
	bus->nr_ranges++;
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, uint32_t len)
{
	int lo = 0, hi = bus->nr_ranges - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (addr < r->base) {
			hi = mid - 1;
		} else if (addr - r->base >= r->size) {
			lo = mid + 1;
		} else {
			/* The whole access must fall inside the one range. */
			if (len > r->size - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

bool bus_access(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len,
		bool is_write)
{
	const struct bus_range *r = bus_find(bus, addr, len);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	r->access(r->opaque, addr - r->base, data, len, is_write);
	return true;
}
