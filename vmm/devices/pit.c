// SPDX-License-Identifier: GPL-2.0
/* Userspace i8254 PIT. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "pit.h"
#include "util.h"

#define PIT_CONTROL		3	/* offset of port 0x43 */
#define PIT_RW_LATCH		0
#define PIT_READ_BACK		3	/* channel field 3 in the control word */
#define PIT_READ_BACK_NO_COUNT	0x20
#define PIT_READ_BACK_NO_STATUS	0x10
#define PIT_ACCESS_LO		1
#define PIT_ACCESS_HI		2
#define PIT_ACCESS_LOHI		3
#define PORT61_GATE2		0x01
#define PORT61_SPEAKER		0x02
#define PORT61_REFRESH		0x10
#define PORT61_OUT2		0x20
#define NSEC_PER_SEC		1000000000ULL

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static uint64_t ticks_since(struct pit *pit, const struct pit_channel *ch)
{
	uint64_t ns = pit->now_ns() - ch->start_ns;

	return ns / NSEC_PER_SEC * PIT_FREQ_HZ + ns % NSEC_PER_SEC * PIT_FREQ_HZ / NSEC_PER_SEC;
}

static bool periodic(const struct pit_channel *ch)
{
	return ch->mode == 2 || ch->mode == 3;
}

uint16_t pit_count(struct pit *pit, int c)
{
	struct pit_channel *ch = &pit->ch[c];
	uint64_t t;

	if (!ch->counting)
		return (uint16_t)ch->reload;
	t = ticks_since(pit, ch);
	if (periodic(ch))
		return (uint16_t)(ch->reload - t % ch->reload);
	/* One-shot: counts down through zero and wraps at 16 bits. */
	return (uint16_t)(ch->reload - t);
}

bool pit_out(struct pit *pit, int c)
{
	struct pit_channel *ch = &pit->ch[c];
	uint64_t t;

	if (!ch->counting)
		return ch->mode != 0;
	t = ticks_since(pit, ch);
	if (ch->mode == 2)
		return t % ch->reload != ch->reload - 1;
	if (ch->mode == 3)
		return t % ch->reload < ch->reload / 2;
	return t >= ch->reload;
}

/* Program channel 0's timerfd from its state (lock held). */
static void pit_arm_timer(struct pit *pit)
{
	struct pit_channel *ch = &pit->ch[0];
	struct itimerspec its = { 0 };
	uint64_t ns;

	if (pit->timer_fd < 0)
		return;
	if (ch->counting) {
		ns = ch->reload * NSEC_PER_SEC / PIT_FREQ_HZ;
		its.it_value.tv_sec = ns / NSEC_PER_SEC;
		its.it_value.tv_nsec = ns % NSEC_PER_SEC;
		if (!ns)
			its.it_value.tv_nsec = 1;
		if (periodic(ch))
			its.it_interval = its.it_value;
	}
	timerfd_settime(pit->timer_fd, 0, &its, NULL);
}

static void pit_load(struct pit *pit, int c, uint32_t count)
{
	struct pit_channel *ch = &pit->ch[c];

	ch->reload = count ? count : 0x10000;
	ch->start_ns = pit->now_ns();
	/* Channel 2 counts only while its gate (port 0x61 bit 0) is high. */
	ch->counting = c != 2 || (pit->port61 & PORT61_GATE2);
	if (c == 0)
		pit_arm_timer(pit);
}

static void pit_control(struct pit *pit, uint8_t v)
{
	int c = v >> 6, i;

	if (c == PIT_READ_BACK) {
		for (i = 0; i < PIT_CHANNELS; i++) {
			struct pit_channel *ch = &pit->ch[i];

			if (!(v & (2 << i)))
				continue;
			if (!(v & PIT_READ_BACK_NO_COUNT) && !ch->latched) {
				ch->latch = pit_count(pit, i);
				ch->latched = true;
			}
			if (!(v & PIT_READ_BACK_NO_STATUS) && !ch->status_latched) {
				ch->status = (pit_out(pit, i) ? 0x80 : 0) |
					     ch->access << 4 | ch->mode << 1;
				ch->status_latched = true;
			}
		}
		return;
	}
	if (((v >> 4) & 3) == PIT_RW_LATCH) {
		if (!pit->ch[c].latched) {
			pit->ch[c].latch = pit_count(pit, c);
			pit->ch[c].latched = true;
		}
		return;
	}
	pit->ch[c] = (struct pit_channel){
		.access = (v >> 4) & 3,
		.mode = ((v >> 1) & 7) > 5 ? ((v >> 1) & 3) : (v >> 1) & 7,
		.reload = 0x10000,
	};
	if (c == 0)
		pit_arm_timer(pit);
}

static void pit_write_counter(struct pit *pit, int c, uint8_t v)
{
	struct pit_channel *ch = &pit->ch[c];

	switch (ch->access) {
	case PIT_ACCESS_LO:
		pit_load(pit, c, v);
		break;
	case PIT_ACCESS_HI:
		pit_load(pit, c, (uint32_t)v << 8);
		break;
	default:
		if (!ch->write_hi) {
			ch->write_lo = v;
			ch->write_hi = true;
		} else {
			ch->write_hi = false;
			pit_load(pit, c, ch->write_lo | (uint32_t)v << 8);
		}
		break;
	}
}

static uint8_t pit_read_counter(struct pit *pit, int c)
{
	struct pit_channel *ch = &pit->ch[c];
	uint16_t v;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	v = ch->latched ? ch->latch : pit_count(pit, c);
	switch (ch->access) {
	case PIT_ACCESS_LO:
		ch->latched = false;
		return v & 0xff;
	case PIT_ACCESS_HI:
		ch->latched = false;
		return v >> 8;
	default:
		ch->read_hi = !ch->read_hi;
		if (ch->read_hi)
			return v & 0xff;
		ch->latched = false;
		return v >> 8;
	}
}

void pit_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		bool is_write)
{
	struct pit *pit = opaque;

	pthread_mutex_lock(&pit->lock);
	if (is_write) {
		if (offset == PIT_CONTROL)
			pit_control(pit, data[0]);
		else
			pit_write_counter(pit, offset, data[0]);
	} else {
		memset(data, 0, len);
		data[0] = offset == PIT_CONTROL ? 0xff : pit_read_counter(pit, offset);
	}
	pthread_mutex_unlock(&pit->lock);
}

void pit_port61_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write)
{
	struct pit *pit = opaque;
	struct pit_channel *ch2 = &pit->ch[2];

	(void)offset;
	pthread_mutex_lock(&pit->lock);
	if (is_write) {
		uint8_t old = pit->port61;

		pit->port61 = data[0] & (PORT61_GATE2 | PORT61_SPEAKER);
		/* A rising gate (re)starts channel 2; a falling one freezes it. */
		if (!(old & PORT61_GATE2) && (pit->port61 & PORT61_GATE2)) {
			ch2->start_ns = pit->now_ns();
			ch2->counting = true;
		} else if (!(pit->port61 & PORT61_GATE2)) {
			ch2->counting = false;
		}
	} else {
		uint8_t v = pit->port61;

		if (pit_out(pit, 2))
			v |= PORT61_OUT2;
		/* The DRAM refresh bit toggles every ~15 us. */
		if ((pit->now_ns() / 15000) & 1)
			v |= PORT61_REFRESH;
		memset(data, 0, len);
		data[0] = v;
	}
	pthread_mutex_unlock(&pit->lock);
}

static void *pit_thread(void *arg)
{
	struct pit *pit = arg;
	struct pollfd fds[2] = {
		{ .fd = pit->stop_fd, .events = POLLIN },
		{ .fd = pit->timer_fd, .events = POLLIN },
	};

	for (;;) {
		uint64_t expirations;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			break;
		if (read(pit->timer_fd, &expirations, sizeof(expirations)) !=
		    sizeof(expirations))
			continue;
		/* Late ticks are merged, as on an edge-triggered line. */
		irq_line_pulse(pit->irq0);
	}
	return NULL;
}

int pit_init(struct pit *pit, struct irq_line *irq0, int stop_fd)
{
	int i;

	memset(pit, 0, sizeof(*pit));
	pthread_mutex_init(&pit->lock, NULL);
	pit->irq0 = irq0;
	pit->stop_fd = stop_fd;
	pit->now_ns = monotonic_ns;
	for (i = 0; i < PIT_CHANNELS; i++)
		pit->ch[i] = (struct pit_channel){ .access = PIT_ACCESS_LOHI, .mode = 3,
						   .reload = 0x10000 };
	pit->timer_fd = -1;
	if (stop_fd < 0)
		return 0;	/* unit tests: no timer thread */
	pit->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (pit->timer_fd < 0)
		return vmm_error_errno(errno, "PIT: timerfd_create");
	return 0;
}

int pit_start(struct pit *pit)
{
	sigset_t set, old;
	int err;

	if (pit->timer_fd < 0 || pit->thread_started)
		return 0;
	sigfillset(&set);
	sigdelset(&set, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	err = pthread_create(&pit->thread, NULL, pit_thread, pit);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return vmm_error_errno(err, "starting the PIT thread");
	pit->thread_started = true;
	return 0;
}

void pit_exit(struct pit *pit)
{
	if (pit->thread_started)
		pthread_join(pit->thread, NULL);
	pit->thread_started = false;
	if (pit->timer_fd >= 0)
		close(pit->timer_fd);
	pit->timer_fd = -1;
}
