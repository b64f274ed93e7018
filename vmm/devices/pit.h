/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace i8254 PIT (ports 0x40-0x43) and the port-0x61 gate/speaker
 * bits, for the userspace irqchip: channel 0 raises IRQ 0 from a timer
 * thread (timerfd) in modes 0 (one-shot), 2 and 3 (periodic); counters read
 * back from the host's monotonic clock at 1.193182 MHz, so channel 2
 * polling (Linux's TSC calibration) sees real time pass.
 *
 * Not modelled: modes 1, 4 and 5 (treated as mode 0), BCD counting, gate
 * control of channels 0 and 1.
 */
#ifndef KVMX_VMM_PIT_H
#define KVMX_VMM_PIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define PORT_PIT			0x40
#define PORT_PIT_SIZE			4
#define PORT_SYSTEM_CONTROL_B		0x61
#define PIT_FREQ_HZ			1193182ULL
#define PIT_CHANNELS			3

struct pit_channel {
	uint8_t mode;		/* 0..5 */
	uint8_t access;		/* 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
	uint32_t reload;	/* 1..65536 */
	uint64_t start_ns;	/* when counting started (CLOCK_MONOTONIC) */
	bool counting;
	bool write_hi;		/* lo/hi access: next write is the high byte */
	bool read_hi;		/* lo/hi access: next read is the high byte */
	bool latched;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	uint8_t write_lo;	/* low byte waiting for its high byte */
};

struct pit {
	pthread_mutex_t lock;	/* guards everything below */
	struct pit_channel ch[PIT_CHANNELS];
	uint8_t port61;		/* bit 0 gate 2, bit 1 speaker data */
	struct irq_line *irq0;
	int timer_fd;		/* timerfd for channel 0 */
	int stop_fd;		/* read end of the VM's stop pipe */
	uint64_t (*now_ns)(void);	/* tests substitute a fake clock */
	pthread_t thread;
	bool thread_started;
};

int pit_init(struct pit *pit, struct irq_line *irq0, int stop_fd);
/* The timer thread; call once the vCPUs may take interrupts. */
int pit_start(struct pit *pit);
void pit_exit(struct pit *pit);
void pit_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		bool is_write);
void pit_port61_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write);
/* Counter value and OUT pin of channel @c at the current time (lock held). */
uint16_t pit_count(struct pit *pit, int c);
bool pit_out(struct pit *pit, int c);

#endif /* KVMX_VMM_PIT_H */
