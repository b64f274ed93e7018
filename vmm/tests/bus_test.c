// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the PIO/MMIO bus registry. */
#include <errno.h>

#include "bus.h"
#include "harness.h"

struct probe {
	uint64_t last_offset;
	uint32_t last_len;
	bool last_write;
	int calls;
	uint8_t value;
};

static void probe_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			 bool is_write)
{
	struct probe *p = opaque;

	p->calls++;
	p->last_offset = offset;
	p->last_len = len;
	p->last_write = is_write;
	if (is_write)
		p->value = data[0];
	else
		memset(data, p->value, len);
}

static void test_dispatch_offsets(void)
{
	struct probe a = { .value = 0x11 }, b = { .value = 0x22 };
	struct bus bus;
	uint8_t data[4];

	bus_init(&bus, "pio");
	CHECK_EQ(bus_register(&bus, 0x3f8, 8, "a", probe_access, &a), 0);
	CHECK_EQ(bus_register(&bus, 0x60, 1, "b", probe_access, &b), 0);
	CHECK(bus_access(&bus, 0x3fd, data, 1, false));
	CHECK_EQ(a.last_offset, 5);
	CHECK_EQ(data[0], 0x11);
	data[0] = 0x5a;
	CHECK(bus_access(&bus, 0x60, data, 1, true));
	CHECK_EQ(b.value, 0x5a);
	CHECK(b.last_write);
	CHECK_EQ(a.calls, 1);
}

static void test_unclaimed_reads_all_ones(void)
{
	struct bus bus;
	uint8_t data[4] = { 0 };

	bus_init(&bus, "pio");
	CHECK(!bus_access(&bus, 0x80, data, 4, false));
	CHECK_EQ(data[0] & data[1] & data[2] & data[3], 0xff);
	CHECK(!bus_access(&bus, 0x80, data, 1, true));
}

static void test_overlap_rejected(void)
{
	struct probe p = { 0 };
	struct bus bus;

	bus_init(&bus, "mmio");
	CHECK_EQ(bus_register(&bus, 0x1000, 0x1000, "x", probe_access, &p), 0);
	CHECK_EQ(bus_register(&bus, 0x1fff, 1, "y", probe_access, &p), -EEXIST);
	CHECK_EQ(bus_register(&bus, 0x0, 0x1001, "y", probe_access, &p), -EEXIST);
	CHECK_EQ(bus_register(&bus, 0x800, 0x2000, "y", probe_access, &p), -EEXIST);
	CHECK_EQ(bus_register(&bus, 0x2000, 0x1000, "y", probe_access, &p), 0);
	CHECK_EQ(bus_register(&bus, 0x0, 0x1000, "z", probe_access, &p), 0);
	CHECK_EQ(bus_register(&bus, 0x5000, 0, "z", probe_access, &p), -EINVAL);
	CHECK_EQ(bus_register(&bus, ~0ULL, 2, "z", probe_access, &p), -EINVAL);
	CHECK_EQ(bus.nr_ranges, 3);
	/* Kept sorted for the binary search. */
	CHECK_EQ(bus.ranges[0].base, 0);
	CHECK_EQ(bus.ranges[1].base, 0x1000);
	CHECK_EQ(bus.ranges[2].base, 0x2000);
}

static void test_access_must_fit_one_range(void)
{
	struct probe p = { 0 };
	struct bus bus;
	uint8_t data[4];

	bus_init(&bus, "mmio");
	CHECK_EQ(bus_register(&bus, 0x100, 4, "x", probe_access, &p), 0);
	CHECK(bus_find(&bus, 0x100, 4) != NULL);
	CHECK(bus_find(&bus, 0x102, 4) == NULL);
	CHECK(bus_find(&bus, 0xff, 2) == NULL);
	CHECK(!bus_access(&bus, 0x103, data, 2, false));
	CHECK_EQ(p.calls, 0);
}

static void test_full_registry(void)
{
	struct probe p = { 0 };
	struct bus bus;
	int i;

	bus_init(&bus, "pio");
	for (i = 0; i < BUS_MAX_RANGES; i++)
		CHECK_EQ(bus_register(&bus, (BUS_MAX_RANGES - i) * 16, 8, "r", probe_access, &p), 0);
	CHECK_EQ(bus_register(&bus, 0x10000, 1, "r", probe_access, &p), -ENOSPC);
	for (i = 1; i <= BUS_MAX_RANGES; i++)
		CHECK(bus_find(&bus, i * 16 + 7, 1) != NULL);
	CHECK(bus_find(&bus, 8, 1) == NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(test_dispatch_offsets),
	TEST_CASE(test_unclaimed_reads_all_ones),
	TEST_CASE(test_overlap_rejected),
	TEST_CASE(test_access_must_fit_one_range),
	TEST_CASE(test_full_registry),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
