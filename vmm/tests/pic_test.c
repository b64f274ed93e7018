// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the userspace 8259A PIC pair. */
#include "harness.h"
#include "pic.h"

static void out(struct pic *pic, uint16_t port, uint8_t v)
{
	if (port >= PORT_PIC_SLAVE)
		pic_slave_access(pic, port - PORT_PIC_SLAVE, &v, 1, true);
	else
		pic_master_access(pic, port - PORT_PIC_MASTER, &v, 1, true);
}

static uint8_t in(struct pic *pic, uint16_t port)
{
	uint8_t v;

	if (port >= PORT_PIC_SLAVE)
		pic_slave_access(pic, port - PORT_PIC_SLAVE, &v, 1, false);
	else
		pic_master_access(pic, port - PORT_PIC_MASTER, &v, 1, false);
	return v;
}

/* The initialisation sequence Linux's i8259 driver writes. */
static struct pic *linux_init(void)
{
	struct pic *pic = pic_create();

	CHECK(pic != NULL);
	out(pic, 0x21, 0xff);
	out(pic, 0xa1, 0xff);
	out(pic, 0x20, 0x11);		/* ICW1: edge, cascade, ICW4 */
	out(pic, 0x21, 0x30);		/* ICW2: vectors 0x30.. */
	out(pic, 0x21, 0x04);		/* ICW3: slave on IRQ2 */
	out(pic, 0x21, 0x01);		/* ICW4: 8086, normal EOI */
	out(pic, 0xa0, 0x11);
	out(pic, 0xa1, 0x38);
	out(pic, 0xa1, 0x02);
	out(pic, 0xa1, 0x01);
	out(pic, 0x21, 0xfb);		/* all masked but the cascade */
	out(pic, 0xa1, 0xff);
	return pic;
}

static void test_mask_and_vector(void)
{
	struct pic *pic = linux_init();

	CHECK_EQ(in(pic, 0x21), 0xfb);
	pic_set_irq(pic, 4, 1);
	CHECK(!pic_has_interrupt(pic), "IRQ 4 is masked");
	out(pic, 0x21, 0xeb);		/* unmask IRQ 4 */
	CHECK(pic_has_interrupt(pic));
	CHECK_EQ(pic_ack(pic), 0x34);
	CHECK(!pic_has_interrupt(pic));
	/* In service until EOI: read ISR through OCW3. */
	out(pic, 0x20, 0x0b);
	CHECK_EQ(in(pic, 0x20), 1 << 4);
	out(pic, 0x20, 0x20);		/* non-specific EOI */
	CHECK_EQ(in(pic, 0x20), 0);
	pic_destroy(pic);
}

static void test_edge_triggered(void)
{
	struct pic *pic = linux_init();

	out(pic, 0x21, 0xeb);
	pic_set_irq(pic, 4, 1);
	CHECK_EQ(pic_ack(pic), 0x34);
	out(pic, 0x20, 0x20);
	/* The line is still high: no new edge, no new request. */
	pic_set_irq(pic, 4, 1);
	CHECK(!pic_has_interrupt(pic));
	pic_set_irq(pic, 4, 0);
	pic_set_irq(pic, 4, 1);
	CHECK(pic_has_interrupt(pic));
	pic_destroy(pic);
}

static void test_priority_and_nesting(void)
{
	struct pic *pic = linux_init();

	out(pic, 0x21, 0x00);
	pic_set_irq(pic, 6, 1);
	pic_set_irq(pic, 3, 1);
	CHECK_EQ(pic_ack(pic), 0x33);	/* lower IRQ number first */
	/* IRQ 6 waits while the higher-priority 3 is in service. */
	CHECK(!pic_has_interrupt(pic));
	out(pic, 0x20, 0x63);		/* specific EOI for IRQ 3 */
	CHECK_EQ(pic_ack(pic), 0x36);
	pic_destroy(pic);
}

static void test_slave_cascade(void)
{
	struct pic *pic = linux_init();

	out(pic, 0xa1, 0xfe);		/* unmask IRQ 8 on the slave */
	pic_set_irq(pic, 8, 1);
	CHECK(pic_has_interrupt(pic));
	CHECK_EQ(pic_ack(pic), 0x38);
	out(pic, 0xa0, 0x20);
	out(pic, 0x20, 0x20);
	CHECK(!pic_has_interrupt(pic));
	pic_destroy(pic);
}

static void test_auto_eoi(void)
{
	struct pic *pic = pic_create();

	out(pic, 0x20, 0x11);
	out(pic, 0x21, 0x20);
	out(pic, 0x21, 0x04);
	out(pic, 0x21, 0x03);		/* ICW4: auto EOI */
	out(pic, 0x21, 0x00);
	pic_set_irq(pic, 1, 1);
	CHECK_EQ(pic_ack(pic), 0x21);
	out(pic, 0x20, 0x0b);
	CHECK_EQ(in(pic, 0x20), 0);	/* nothing left in service */
	pic_destroy(pic);
}

static const struct test_case cases[] = {
	TEST_CASE(test_mask_and_vector),
	TEST_CASE(test_edge_triggered),
	TEST_CASE(test_priority_and_nesting),
	TEST_CASE(test_slave_cascade),
	TEST_CASE(test_auto_eoi),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
