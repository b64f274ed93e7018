/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx selftest harness: a small TAP producer in the kselftest conventions.
 *
 * A test program lists its cases in a table and hands it to run_tests().
 * Each case prints one TAP line; the program exits 0 when all cases pass,
 * 1 when any failed, and 4 (KSFT_SKIP) when every case skipped.
 *
 *	static void test_foo(void) { CHECK(1 + 1 == 2, "arith"); }
 *	static const struct test_case cases[] = { TEST_CASE(test_foo) };
 *	int main(int argc, char **argv) { return run_tests(cases, ARRAY_SIZE(cases)); }
 *
 * A failing CHECK prints what was tested, the values and errno, then ends the
 * case (longjmp back into the runner); REQUIRE ends it as a skip, its reason
 * on the case's line: "ok 3 test_foo # SKIP no KVM_CAP_IRQCHIP".
 *
 * Environment: KVMX_CASES=a,b runs only the cases named (the rest report
 * SKIP); KVMX_VERBOSE=1 prints "# start <case>" before each case.
 */
#ifndef KVMX_SELFTEST_HARNESS_H
#define KVMX_SELFTEST_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_CASE(fn)	{ #fn, fn }

int run_tests(const struct test_case *cases, size_t n);

/* Ends the running case as failed or skipped; never returns. */
void __attribute__((noreturn, format(printf, 3, 4)))
test_fail(const char *file, int line, const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2)))
test_skip(const char *fmt, ...);
/* CHECK's failure: prints the condition text verbatim, then fmt. */
void __attribute__((noreturn, format(printf, 4, 5)))
test_fail_check(const char *file, int line, const char *cond, const char *fmt, ...);
/* A diagnostic line ("# ...") that does not change the verdict. */
void __attribute__((format(printf, 1, 2))) test_info(const char *fmt, ...);

/* CHECK(cond, fmt, ...): fail the case unless cond holds. */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			test_fail_check(__FILE__, __LINE__, #cond, "" __VA_ARGS__); \
	} while (0)

/* CHECK_EQ(a, b): both as unsigned 64-bit, printed in hex and decimal. */
#define CHECK_EQ(a, b)							\
	do {								\
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);	\
		if (__a != __b)						\
			test_fail(__FILE__, __LINE__,			\
				  "%s == %s: got 0x%llx (%lld), want 0x%llx (%lld)", \
				  #a, #b, (unsigned long long)__a, (long long)__a, \
				  (unsigned long long)__b, (long long)__b); \
	} while (0)

/* CHECK_IOCTL_OK(ret): an ioctl that must succeed; prints errno otherwise. */
#define CHECK_IOCTL_OK(expr)						\
	({								\
		long __r = (long)(expr);				\
		if (__r < 0)						\
			test_fail(__FILE__, __LINE__, "%s failed: ret %ld errno %d (%s)", \
				  #expr, __r, errno, strerror(errno));	\
		__r;							\
	})

/* CHECK_IOCTL_ERR(expr, err): an ioctl that must fail with errno err. */
#define CHECK_IOCTL_ERR(expr, err)					\
	do {								\
		long __r = (long)(expr);				\
		int __e = errno;					\
		if (__r != -1 || __e != (err))				\
			test_fail(__FILE__, __LINE__,			\
				  "%s: ret %ld errno %d (%s), want -1 errno %d (%s)", \
				  #expr, __r, __r == -1 ? __e : 0,	\
				  __r == -1 ? strerror(__e) : "none",	\
				  (err), strerror(err));		\
	} while (0)

/* REQUIRE(cond, why): skip the case unless cond holds. */
#define REQUIRE(cond, ...)						\
	do {								\
		if (!(cond))						\
			test_skip(__VA_ARGS__);				\
	} while (0)

#endif
