/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal MC146818 CMOS RTC at ports 0x70/0x71: the time of day (UTC, BCD,
 * 24-hour) read from the host clock, status registers A-D that say "valid,
 * no update in progress", and 128 bytes of CMOS RAM.  No alarm, no periodic
 * or update interrupts; writes to the clock registers are ignored.
 */
#ifndef KVMX_VMM_RTC_H
#define KVMX_VMM_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RTC_CMOS_SIZE	128

#define RTC_SECONDS	0x00
#define RTC_MINUTES	0x02
#define RTC_HOURS	0x04
#define RTC_DAY_OF_WEEK	0x06
#define RTC_DAY		0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32

struct rtc {
	pthread_mutex_t lock;		/* guards index and cmos */
	uint8_t index;			/* last value written to port 0x70 (NMI bit dropped) */
	uint8_t cmos[RTC_CMOS_SIZE];
	time_t (*now)(void);		/* host clock; tests substitute a fixed one */
};

void rtc_init(struct rtc *rtc, time_t (*now)(void));
void rtc_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		bool is_write);

#endif /* KVMX_VMM_RTC_H */
