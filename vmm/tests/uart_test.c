// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the 16550A UART model. */
#include "harness.h"
#include "uart.h"

struct ctx {
	char out[64];
	int nout;
	int level;
	int edges;
};

static struct ctx ctx;
static struct irq_line line;
static struct uart uart;

static void tx(void *opaque, uint8_t byte)
{
	struct ctx *c = opaque;

	if (c->nout < (int)sizeof(c->out) - 1)
		c->out[c->nout++] = byte;
}

static void set_irq(struct irq_line *l, int level)
{
	struct ctx *c = l->owner;

	if (level && !c->level)
		c->edges++;
	c->level = level;
}

static void setup(void)
{
	memset(&ctx, 0, sizeof(ctx));
	line = (struct irq_line){ .set = set_irq, .irq = 4, .owner = &ctx };
	uart_init(&uart, &line, tx, &ctx);
}

static uint8_t rd(unsigned int reg)
{
	uint8_t v;

	uart_access(&uart, reg, &v, 1, false);
	return v;
}

static void wr(unsigned int reg, uint8_t v)
{
	uart_access(&uart, reg, &v, 1, true);
}

static void test_transmit(void)
{
	setup();
	wr(UART_RBR_THR, 'h');
	wr(UART_RBR_THR, 'i');
	CHECK(!strcmp(ctx.out, "hi"));
	CHECK_EQ(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(ctx.level, 0);	/* no interrupts enabled */
}

static void test_divisor_latch(void)
{
	setup();
	wr(UART_LCR, UART_LCR_DLAB | 0x03);
	wr(UART_RBR_THR, 0x0c);
	wr(UART_IER, 0x00);
	CHECK_EQ(rd(UART_RBR_THR), 0x0c);
	CHECK_EQ(ctx.nout, 0);	/* DLL write is not a transmission */
	wr(UART_LCR, 0x03);
	CHECK_EQ(rd(UART_IER), 0);
}

static void test_receive_interrupt(void)
{
	const uint8_t in[] = "ab";

	setup();
	wr(UART_IER, UART_IER_RDI);
	CHECK_EQ(ctx.level, 0);
	CHECK_EQ(uart_receive(&uart, in, 2), 2);
	CHECK_EQ(ctx.level, 1);
	CHECK_EQ(rd(UART_IIR_FCR) & 0x0f, UART_IIR_RDI);
	CHECK(rd(UART_LSR) & UART_LSR_DR);
	CHECK_EQ(rd(UART_RBR_THR), 'a');
	CHECK_EQ(ctx.level, 1);
	CHECK_EQ(rd(UART_RBR_THR), 'b');
	CHECK_EQ(ctx.level, 0);
	CHECK(!(rd(UART_LSR) & UART_LSR_DR));
	CHECK_EQ(rd(UART_IIR_FCR) & 0x0f, UART_IIR_NO_INT);
}

static void test_thre_interrupt(void)
{
	setup();
	/* Enabling THRI with an empty holding register raises it at once. */
	wr(UART_IER, UART_IER_THRI);
	CHECK_EQ(ctx.level, 1);
	/* Reading IIR that reports THRE acknowledges it. */
	CHECK_EQ(rd(UART_IIR_FCR) & 0x0f, UART_IIR_THRI);
	CHECK_EQ(ctx.level, 0);
	CHECK_EQ(rd(UART_IIR_FCR) & 0x0f, UART_IIR_NO_INT);
	wr(UART_RBR_THR, 'x');
	CHECK_EQ(ctx.level, 1);
	CHECK_EQ(ctx.edges, 2);
}

static void test_fifo_and_overrun(void)
{
	uint8_t buf[UART_RX_FIFO_SIZE + 8];

	setup();
	wr(UART_IIR_FCR, UART_FCR_ENABLE_FIFO);
	CHECK_EQ(rd(UART_IIR_FCR) & UART_IIR_FIFO_ON, UART_IIR_FIFO_ON);
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(uart_receive(&uart, buf, sizeof(buf)), UART_RX_FIFO_SIZE);
	CHECK_EQ(uart_rx_room(&uart), 0);
	wr(UART_IIR_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK_EQ(uart_rx_room(&uart), UART_RX_FIFO_SIZE);
}

static void test_loopback(void)
{
	setup();
	/* What Linux's 8250 autoconfig checks: MSR mirrors MCR in loopback. */
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	CHECK_EQ(rd(UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
	wr(UART_RBR_THR, 'L');
	CHECK_EQ(ctx.nout, 0);
	CHECK_EQ(rd(UART_RBR_THR), 'L');
	wr(UART_MCR, 0);
	CHECK_EQ(rd(UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

static void test_scratch_and_ier_bits(void)
{
	setup();
	wr(UART_SCR, 0xa5);
	CHECK_EQ(rd(UART_SCR), 0xa5);
	wr(UART_IER, 0xff);
	CHECK_EQ(rd(UART_IER), 0x0f);
}

static const struct test_case cases[] = {
	TEST_CASE(test_transmit),
	TEST_CASE(test_divisor_latch),
	TEST_CASE(test_receive_interrupt),
	TEST_CASE(test_thre_interrupt),
	TEST_CASE(test_fifo_and_overrun),
	TEST_CASE(test_loopback),
	TEST_CASE(test_scratch_and_ier_bits),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
