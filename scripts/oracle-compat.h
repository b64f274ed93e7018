/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included into every KVM selftest that scripts/oracle.sh builds.
 * Debian's linux-source-6.1 (6.1.192 and later) carries two programs that
 * use what that tree does not provide: dirty_log_test calls TEST_ASSERT_EQ,
 * which its test_util.h lacks, and steal_time includes <asm/kvm.h>, whose
 * structures use __DECLARE_FLEX_ARRAY, before anything has included
 * <linux/stddef.h>.  Providing both lets them build unchanged.
 */
#include <linux/stddef.h>

#ifndef TEST_ASSERT_EQ
#define TEST_ASSERT_EQ(a, b)						\
	TEST_ASSERT((a) == (b), "%s == %s failed: %lld != %lld", #a, #b,	\
		    (long long)(a), (long long)(b))
#endif
