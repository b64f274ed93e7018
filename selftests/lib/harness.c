// SPDX-License-Identifier: GPL-2.0
/* kvmx selftest harness: see harness.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include "harness.h"

/* Where test_fail()/test_skip() return to, and what they decided. */
static jmp_buf case_env;
static int case_verdict;
/* Why the case skipped: the text of its "# SKIP" directive. */
static char skip_reason[160];

void test_info(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	case_verdict = KSFT_FAIL;
	longjmp(case_env, 1);
}

void test_fail_check(const char *file, int line, const char *cond,
		     const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: CHECK(%s) ", file, line, cond);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	case_verdict = KSFT_FAIL;
	longjmp(case_env, 1);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	/* One line: the reason goes into the case's TAP line. */
	for (p = skip_reason; *p; p++)
		if (*p == '\n')
			*p = ' ';
	case_verdict = KSFT_SKIP;
	longjmp(case_env, 1);
}

/*
 * KVMX_CASES=name,name,... runs only those cases (the others report SKIP);
 * KVMX_VERBOSE=1 prints "# start <name>" before each case, so the case in
 * progress is known when a program hangs.
 */
static bool case_selected(const char *name)
{
	const char *list = getenv("KVMX_CASES");
	size_t len = strlen(name);
	const char *p;

	if (!list || !*list)
		return true;
	for (p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

int run_tests(const struct test_case *cases, size_t n)
{
	const char *verbose = getenv("KVMX_VERBOSE");
	/* volatile: live across the setjmp() below. */
	volatile size_t i, passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		case_verdict = KSFT_PASS;
		strcpy(skip_reason, "no reason given");
		if (!case_selected(cases[i].name)) {
			case_verdict = KSFT_SKIP;
			strcpy(skip_reason, "not selected (KVMX_CASES)");
		} else {
			if (verbose && *verbose && *verbose != '0')
				test_info("start %s", cases[i].name);
			if (!setjmp(case_env))
				cases[i].fn();
		}
		switch (case_verdict) {
		case KSFT_PASS:
			printf("ok %zu %s\n", i + 1, cases[i].name);
			passed++;
			break;
		case KSFT_SKIP:
			printf("ok %zu %s # SKIP %s\n", i + 1, cases[i].name,
			       skip_reason);
			skipped++;
			break;
		default:
			printf("not ok %zu %s\n", i + 1, cases[i].name);
			failed++;
			break;
		}
	}
	printf("# Totals: pass:%zu fail:%zu xfail:0 xpass:0 skip:%zu error:0\n",
	       passed, failed, skipped);
	if (failed)
		return KSFT_FAIL;
	if (skipped == n && n)
		return KSFT_SKIP;
	return KSFT_PASS;
}
