// SPDX-License-Identifier: GPL-2.0
/* CMOS RTC model. */
#include <string.h>

#include "rtc.h"

#define RTC_INDEX_MASK		0x7f	/* bit 7 of port 0x70 is NMI disable */
#define RTC_REG_A_DEFAULT	0x26	/* 32.768 kHz base, 1024 Hz rate, UIP clear */
#define RTC_REG_B_24H		0x02	/* 24-hour, BCD, no interrupts */
#define RTC_REG_D_VRT		0x80	/* valid RAM and time */

static time_t rtc_host_now(void)
{
	return time(NULL);
}

void rtc_init(struct rtc *rtc, time_t (*now)(void))
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->now = now ? now : rtc_host_now;
	rtc->cmos[RTC_REG_A] = RTC_REG_A_DEFAULT;
	rtc->cmos[RTC_REG_B] = RTC_REG_B_24H;
	rtc->cmos[RTC_REG_D] = RTC_REG_D_VRT;
	/*
	 * glibc's gmtime_r() reads the time zone file on first use; do that
	 * now, before the seccomp filter forbids open().
	 */
	tzset();
}

static uint8_t bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static uint8_t rtc_read_reg(struct rtc *rtc, uint8_t reg)
{
	time_t t = rtc->now();
	struct tm tm;

	if (reg > RTC_YEAR && reg != RTC_CENTURY)
		return rtc->cmos[reg];
	gmtime_r(&t, &tm);
	switch (reg) {
	case RTC_SECONDS:
		return bcd(tm.tm_sec);
	case RTC_MINUTES:
		return bcd(tm.tm_min);
	case RTC_HOURS:
		return bcd(tm.tm_hour);
	case RTC_DAY_OF_WEEK:
		return bcd(tm.tm_wday + 1);
	case RTC_DAY:
		return bcd(tm.tm_mday);
	case RTC_MONTH:
		return bcd(tm.tm_mon + 1);
	case RTC_YEAR:
		return bcd(tm.tm_year % 100);
	case RTC_CENTURY:
		return bcd((tm.tm_year + 1900) / 100);
	default:	/* alarm registers */
		return rtc->cmos[reg];
	}
}

void rtc_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		bool is_write)
{
	struct rtc *rtc = opaque;

	pthread_mutex_lock(&rtc->lock);
	if (offset == 0) {
		if (is_write)
			rtc->index = data[0] & RTC_INDEX_MASK;
		else
			memset(data, 0xff, len);
	} else if (is_write) {
		/* The clock follows the host; status C/D are read-only. */
		if (rtc->index > RTC_YEAR && rtc->index != RTC_CENTURY &&
		    rtc->index != RTC_REG_C && rtc->index != RTC_REG_D)
			rtc->cmos[rtc->index] = data[0];
	} else {
		memset(data, 0, len);
		data[0] = rtc_read_reg(rtc, rtc->index);
	}
	pthread_mutex_unlock(&rtc->lock);
}
