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
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

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
