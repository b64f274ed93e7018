/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx_pure.h - the one shim that lets pure code build in two worlds.
 *
 * Pure code (the instruction emulator, and later the page-table walker and
 * similar host-agnostic logic) includes only this header.  In the kernel it
 * pulls the kernel's own types, string and errno headers; in userspace (the
 * unit tests under selftests/unit) it provides the same names from libc, so
 * the very same source file is compiled and tested at full speed on the
 * build machine.
 */
#ifndef KVMX_PURE_H
#define KVMX_PURE_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/compiler.h>

#else /* userspace */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The compiler's own type macros: the same types as <stdint.h>. */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT8_TYPE__ s8;
typedef __INT16_TYPE__ s16;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef BIT
#define BIT(nr)		(1UL << (nr))
#endif

#ifndef BIT_ULL
#define BIT_ULL(nr)	(1ULL << (nr))
#endif

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif

#endif /* __KERNEL__ */

#endif /* KVMX_PURE_H */
