// SPDX-License-Identifier: GPL-2.0
/* Userspace 8259A PIC pair. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pic.h"

#define ICW1_IC4		0x01	/* ICW4 follows */
#define ICW1_SNGL		0x02	/* single PIC: no ICW3 */
#define ICW1_INIT		0x10
#define OCW3_SELECT		0x08
#define OCW3_READ_ISR		0x03
#define OCW3_READ_IRR		0x02
#define ICW4_AEOI		0x02
#define OCW2_EOI		0x20
#define OCW2_SPECIFIC		0x40
#define PIC_WAIT_MS		50

struct pic_chip {
	uint8_t irr;		/* requests latched on rising edges */
	uint8_t isr;		/* in service */
	uint8_t imr;		/* masked */
	uint8_t level;		/* current input levels, for edge detection */
	uint8_t vector_base;
	uint8_t init_step;	/* 0: operational; 1..3: expecting ICW2..ICW4 */
	uint8_t icw1;
	bool auto_eoi;
	bool read_isr;
};

struct pic {
	pthread_mutex_t lock;	/* guards chips[] */
	pthread_cond_t wake;	/* signalled by pic_kick() */
	unsigned int kicks;	/* bumped by pic_kick(), under lock */
	struct pic_chip chips[2];	/* [0] master, [1] slave */
};

struct pic *pic_create(void)
{
	struct pic *pic = calloc(1, sizeof(*pic));

	if (!pic)
		return NULL;
	pthread_mutex_init(&pic->lock, NULL);
	pthread_cond_init(&pic->wake, NULL);
	pic->chips[0].vector_base = 0x08;	/* BIOS defaults */
	pic->chips[1].vector_base = 0x70;
	return pic;
}

void pic_destroy(struct pic *pic)
{
	free(pic);
}

/* Highest-priority deliverable IRQ (0..7) of one chip, or -1. */
static int chip_pending(const struct pic_chip *c)
{
	uint8_t req = c->irr & ~c->imr;
	int i;

	for (i = 0; i < 8; i++) {
		if (c->isr & (1u << i))
			return -1;	/* a higher-priority IRQ is in service */
		if (req & (1u << i))
			return i;
	}
	return -1;
}

/* The slave's output is the master's IRQ 2 input (edge on new request). */
static void pic_update_cascade(struct pic *pic)
{
	struct pic_chip *m = &pic->chips[0];

	if (chip_pending(&pic->chips[1]) >= 0)
		m->irr |= 1u << PIC_CASCADE_IRQ;
	else
		m->irr &= ~(1u << PIC_CASCADE_IRQ);
}

void pic_set_irq(struct pic *pic, unsigned int irq, int level)
{
	struct pic_chip *c;
	uint8_t bit;

	if (irq >= 16)
		return;
	pthread_mutex_lock(&pic->lock);
	c = &pic->chips[irq / 8];
	bit = 1u << (irq % 8);
	if (level && !(c->level & bit))
		c->irr |= bit;
	if (level)
		c->level |= bit;
	else
		c->level &= ~bit;
	pic_update_cascade(pic);
	pthread_mutex_unlock(&pic->lock);
}

bool pic_has_interrupt(struct pic *pic)
{
	bool ret;

	pthread_mutex_lock(&pic->lock);
	ret = chip_pending(&pic->chips[0]) >= 0;
	pthread_mutex_unlock(&pic->lock);
	return ret;
}

static int chip_ack(struct pic_chip *c, int irq)
{
	c->irr &= ~(1u << irq);
	if (!c->auto_eoi)
		c->isr |= 1u << irq;
	return c->vector_base + irq;
}

int pic_ack(struct pic *pic)
{
	struct pic_chip *m = &pic->chips[0], *s = &pic->chips[1];
	int irq, vector = -1;

	pthread_mutex_lock(&pic->lock);
	irq = chip_pending(m);
	if (irq == PIC_CASCADE_IRQ) {
		int sirq = chip_pending(s);

		chip_ack(m, irq);
		/* A vanished slave request is a spurious IRQ 15. */
		vector = sirq >= 0 ? chip_ack(s, sirq) : s->vector_base + 7;
		pic_update_cascade(pic);
	} else if (irq >= 0) {
		vector = chip_ack(m, irq);
	}
	pthread_mutex_unlock(&pic->lock);
	return vector;
}

static void chip_write_command(struct pic_chip *c, uint8_t v)
{
	int i;

	if (v & ICW1_INIT) {
		c->icw1 = v;
		c->init_step = 1;
		c->imr = c->isr = c->irr = 0;
		c->auto_eoi = false;
		c->read_isr = false;
		return;
	}
	if (v & OCW3_SELECT) {
		if ((v & OCW3_READ_ISR) == OCW3_READ_ISR)
			c->read_isr = true;
		else if ((v & OCW3_READ_ISR) == OCW3_READ_IRR)
			c->read_isr = false;
		return;
	}
	if (!(v & OCW2_EOI))
		return;
	if (v & OCW2_SPECIFIC) {
		c->isr &= ~(1u << (v & 7));
		return;
	}
	for (i = 0; i < 8; i++) {
		if (c->isr & (1u << i)) {
			c->isr &= ~(1u << i);
			break;
		}
	}
}

static void chip_write_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 1:
		c->vector_base = v & 0xf8;
		c->init_step = (c->icw1 & ICW1_SNGL) ? ((c->icw1 & ICW1_IC4) ? 3 : 0) : 2;
		break;
	case 2:		/* ICW3: cascade wiring, fixed here */
		c->init_step = (c->icw1 & ICW1_IC4) ? 3 : 0;
		break;
	case 3:
		c->auto_eoi = v & ICW4_AEOI;
		c->init_step = 0;
		break;
	default:
		c->imr = v;
		break;
	}
}

static void pic_access(struct pic *pic, int index, uint64_t offset, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct pic_chip *c = &pic->chips[index];

	pthread_mutex_lock(&pic->lock);
	if (is_write) {
		if (offset == 0)
			chip_write_command(c, data[0]);
		else
			chip_write_data(c, data[0]);
		pic_update_cascade(pic);
	} else {
		memset(data, 0, len);
		if (offset == 0)
			data[0] = c->read_isr ? c->isr : c->irr;
		else
			data[0] = c->imr;
	}
	pthread_mutex_unlock(&pic->lock);
	if (is_write)
		pic_kick(pic);
}

void pic_master_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write)
{
	pic_access(opaque, 0, offset, data, len, is_write);
}

void pic_slave_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		      bool is_write)
{
	pic_access(opaque, 1, offset, data, len, is_write);
}

void pic_kick(struct pic *pic)
{
	if (!pic)
		return;
	pthread_mutex_lock(&pic->lock);
	pic->kicks++;
	pthread_cond_broadcast(&pic->wake);
	pthread_mutex_unlock(&pic->lock);
}

void pic_wait(struct pic *pic)
{
	struct timespec deadline;
	unsigned int seen;

	/*
	 * Bounded: a stop request may land between the caller's last check
	 * and this sleep, so never sleep longer than PIC_WAIT_MS.
	 */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += PIC_WAIT_MS * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pic->lock);
	seen = pic->kicks;
	while (chip_pending(&pic->chips[0]) < 0 && pic->kicks == seen)
		if (pthread_cond_timedwait(&pic->wake, &pic->lock, &deadline))
			break;
	pthread_mutex_unlock(&pic->lock);
}
