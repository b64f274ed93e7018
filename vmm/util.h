/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by every VMM file. */
#ifndef KVMX_VMM_UTIL_H
#define KVMX_VMM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define ALIGN_UP(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))

#define SZ_1K			0x400ULL
#define SZ_1M			0x100000ULL
#define SZ_1G			0x40000000ULL

/*
 * The one error line: "kvmx: <message>\n" on stderr.  Whoever detects a
 * failure prints it once and returns -errno; callers only propagate.
 */
void vmm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": strerror(err)" appended; returns -err for `return` chains. */
int vmm_error_errno(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Diagnostics that only --verbose shows. */
extern int vmm_verbose;
void vmm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --verbose: "setup: <step> N us", the time since the previous mark. */
void vmm_mark(const char *step);
/* Read a whole file into a malloc()ed buffer; prints the error line. */
int read_file(const char *path, const char *what, uint8_t **buf, size_t *len);
/* Open a regular file for reading, with its size; prints the error line. */
int open_file(const char *path, const char *what, int *fd, size_t *len);
/* "256M", "2G", "4096K", "1048576": bytes; -EINVAL on junk or overflow. */
int parse_size(const char *s, uint64_t *bytes);
/* Unsigned number in any C base (0x.., 0.., decimal); -EINVAL on junk. */
int parse_u64(const char *s, uint64_t *val);

#endif /* KVMX_VMM_UTIL_H */
