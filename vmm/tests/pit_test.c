// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the userspace i8254 PIT against a fake clock. */
#include "harness.h"
#include "pit.h"

static uint64_t fake_ns;

static uint64_t fake_now(void)
{
	return fake_ns;
}

static struct pit pit;

static void setup(void)
{
	fake_ns = 1000000000ULL;
	CHECK_EQ(pit_init(&pit, NULL, -1), 0);
	pit.now_ns = fake_now;
}

static void out(uint16_t port, uint8_t v)
{
	if (port == PORT_SYSTEM_CONTROL_B)
		pit_port61_access(&pit, 0, &v, 1, true);
	else
		pit_access(&pit, port - PORT_PIT, &v, 1, true);
}

static uint8_t in(uint16_t port)
{
	uint8_t v;

	if (port == PORT_SYSTEM_CONTROL_B)
		pit_port61_access(&pit, 0, &v, 1, false);
	else
		pit_access(&pit, port - PORT_PIT, &v, 1, false);
	return v;
}

/* ns for @ticks PIT input clocks. */
static uint64_t ticks_ns(uint64_t ticks)
{
	return ticks * 1000000000ULL / PIT_FREQ_HZ + 1;
}

static void test_periodic_count_and_latch(void)
{
	uint16_t v;

	setup();
	out(0x43, 0x34);		/* channel 0, lo/hi, mode 2 */
	out(0x40, 1000 & 0xff);
	out(0x40, 1000 >> 8);
	fake_ns += ticks_ns(300);
	out(0x43, 0x00);		/* latch channel 0 */
	fake_ns += ticks_ns(100);	/* the latched value does not move */
	v = in(0x40);
	v |= in(0x40) << 8;
	CHECK_EQ(v, 700);
	fake_ns += ticks_ns(1000);	/* a period later, live: 1000 - 400 again */
	v = in(0x40);
	v |= in(0x40) << 8;
	CHECK_EQ(v, 1000 - 400);
	CHECK(pit_out(&pit, 0));
}

static void test_oneshot_out(void)
{
	setup();
	out(0x43, 0x30);		/* channel 0, lo/hi, mode 0 */
	out(0x40, 100);
	CHECK(!pit_out(&pit, 0));	/* OUT low while counting */
	out(0x40, 0);
	fake_ns += ticks_ns(50);
	CHECK(!pit_out(&pit, 0));
	CHECK_EQ(pit_count(&pit, 0), 50);
	fake_ns += ticks_ns(60);
	CHECK(pit_out(&pit, 0));
}

static void test_channel2_gate_and_port61(void)
{
	setup();
	out(0x61, 0x00);
	out(0x43, 0xb0);		/* channel 2, lo/hi, mode 0 */
	out(0x42, 0xff);
	out(0x42, 0xff);
	fake_ns += ticks_ns(70000);
	CHECK_EQ(pit_count(&pit, 2), 0xffff);	/* gate low: frozen */
	CHECK(!(in(0x61) & 0x20));
	out(0x61, 0x01);		/* gate high: counting starts */
	fake_ns += ticks_ns(0x1000);
	CHECK_EQ(pit_count(&pit, 2), 0xffff - 0x1000);
	CHECK(!(in(0x61) & 0x20));
	fake_ns += ticks_ns(0x10000);
	CHECK(in(0x61) & 0x20);		/* OUT2 after the terminal count */
	CHECK_EQ(in(0x61) & 0x03, 0x01);
}

static void test_read_back_status(void)
{
	setup();
	out(0x43, 0x36);		/* channel 0, lo/hi, mode 3 */
	out(0x40, 0);
	out(0x40, 0);			/* 0 means 65536 */
	out(0x43, 0xe2);		/* read-back: status only, channel 0 */
	CHECK_EQ(in(0x40) & 0x3f, 0x36);
}

static const struct test_case cases[] = {
	TEST_CASE(test_periodic_count_and_latch),
	TEST_CASE(test_oneshot_out),
	TEST_CASE(test_channel2_gate_and_port61),
	TEST_CASE(test_read_back_status),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
