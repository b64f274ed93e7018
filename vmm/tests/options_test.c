// SPDX-License-Identifier: GPL-2.0
/* Unit tests of `kvmx run` option parsing and the console escape. */
#include <errno.h>

#include "console.h"
#include "harness.h"
#include "options.h"
#include "util.h"

static struct options opts;

static int parse(const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = "run";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return options_parse(&opts, argc, argv);
}

static void test_defaults_and_values(void)
{
	const char *args[] = { "--kernel", "bz", "-m", "1G", "--cpus", "4", "--initrd", "rd",
			       "--append", "console=ttyS0 quiet", "--device", "/dev/kvmx",
			       NULL };

	CHECK_EQ(parse(args), 0);
	CHECK_EQ(opts.mem, 1ULL << 30);
	CHECK_EQ(opts.cpus, 4);
	CHECK(!strcmp(opts.kernel, "bz"));
	CHECK(!strcmp(opts.initrd, "rd"));
	CHECK(!strcmp(opts.append, "console=ttyS0 quiet"));
	CHECK(!strcmp(opts.device, "/dev/kvmx"));
	CHECK_EQ(opts.irqchip, IRQCHIP_AUTO);
	CHECK(!opts.no_sandbox);
}

static void test_flat(void)
{
	const char *args[] = { "--flat", "dir@x/guest.bin@0x7c00", "--irqchip", "user", NULL };

	CHECK_EQ(parse(args), 0);
	CHECK(opts.has_flat);
	CHECK(!strcmp(opts.flat_path, "dir@x/guest.bin"));
	CHECK_EQ(opts.flat_gpa, 0x7c00);
	CHECK_EQ(opts.mem, OPTIONS_DEFAULT_MEM);
	CHECK_EQ(opts.irqchip, IRQCHIP_USER);
}

static void test_disks(void)
{
	const char *args[] = { "-k", "bz", "--disk", "a.img", "--disk",
			       "b.qcow2,format=qcow2,snapshot", "--disk", "c,readonly,format=raw",
			       "--net", "tap=tap0", "--rng", "--no-sandbox", NULL };

	CHECK_EQ(parse(args), 0);
	CHECK_EQ(opts.nr_disks, 3);
	CHECK(!strcmp(opts.disks[0].path, "a.img"));
	CHECK(!opts.disks[0].format_given);
	CHECK_EQ(opts.disks[1].format, DISK_FORMAT_QCOW2);
	CHECK(opts.disks[1].snapshot && !opts.disks[1].readonly);
	CHECK(opts.disks[2].readonly && opts.disks[2].format_given);
	CHECK(!strcmp(opts.tap, "tap0"));
	CHECK(opts.rng && opts.no_sandbox);
}

static void expect_bad(const char *const *args, const char *what)
{
	test_info("%s:", what);
	CHECK_EQ(parse(args), -EINVAL);
}

static void test_bad_options(void)
{
	const char *none[] = { NULL };
	const char *both[] = { "-k", "a", "--flat", "b@0x1000", NULL };
	const char *mem_odd[] = { "-k", "a", "--mem", "3M", NULL };
	const char *mem_junk[] = { "-k", "a", "--mem", "12Q", NULL };
	const char *mem_neg[] = { "-k", "a", "--mem", "-2M", NULL };
	const char *cpus0[] = { "-k", "a", "--cpus", "0", NULL };
	const char *cpus_big[] = { "-k", "a", "--cpus", "100000", NULL };
	const char *flat_noaddr[] = { "--flat", "guest.bin", NULL };
	const char *initrd_flat[] = { "--flat", "g@0x1000", "--initrd", "x", NULL };
	const char *unknown[] = { "-k", "a", "--frobnicate", NULL };
	const char *missing[] = { "-k", NULL };
	const char *stray[] = { "-k", "a", "extra", NULL };
	const char *irq[] = { "-k", "a", "--irqchip", "split", NULL };
	const char *disk[] = { "-k", "a", "--disk", "x,format=vmdk", NULL };
	const char *net[] = { "-k", "a", "--net", "user", NULL };

	expect_bad(none, "nothing to run");
	expect_bad(both, "--kernel and --flat");
	expect_bad(mem_odd, "--mem 3M");
	expect_bad(mem_junk, "--mem 12Q");
	expect_bad(mem_neg, "--mem -2M");
	expect_bad(cpus0, "--cpus 0");
	expect_bad(cpus_big, "--cpus 100000");
	expect_bad(flat_noaddr, "--flat without @ADDR");
	expect_bad(initrd_flat, "--initrd with --flat");
	expect_bad(unknown, "unknown option");
	expect_bad(missing, "missing argument");
	expect_bad(stray, "stray argument");
	expect_bad(irq, "--irqchip split");
	expect_bad(disk, "--disk format=vmdk");
	expect_bad(net, "--net user");
}

static void test_parse_size(void)
{
	uint64_t v;

	CHECK_EQ(parse_size("512M", &v), 0);
	CHECK_EQ(v, 512ULL << 20);
	CHECK_EQ(parse_size("2GiB", &v), 0);
	CHECK_EQ(v, 2ULL << 30);
	CHECK_EQ(parse_size("4096K", &v), 0);
	CHECK_EQ(v, 4ULL << 20);
	CHECK_EQ(parse_size("1048576", &v), 0);
	CHECK_EQ(v, 1 << 20);
	CHECK_EQ(parse_size("", &v), -EINVAL);
	CHECK_EQ(parse_size("M", &v), -EINVAL);
	CHECK_EQ(parse_size("1Mx", &v), -EINVAL);
	CHECK_EQ(parse_size("99999999999999999G", &v), -EINVAL);
}

static void test_console_escape(void)
{
	uint8_t a[] = { 'l', 's', 0x01, 0x01, '\r' };
	uint8_t b[] = { 'x', 0x01 };
	uint8_t c[] = { 'x', 'y' };
	uint8_t d[] = { 'q', 0x01, 'z', 'w' };
	bool esc = false, quit;

	/* Ctrl-A Ctrl-A sends one Ctrl-A. */
	CHECK_EQ(console_filter(&esc, a, sizeof(a), &quit), 4);
	CHECK(!quit && !esc);
	CHECK(!memcmp(a, "ls\x01\r", 4));
	/* A plain 'x' passes; Ctrl-A at the end of a read waits for the next. */
	CHECK_EQ(console_filter(&esc, b, sizeof(b), &quit), 1);
	CHECK(esc && !quit);
	/* ... which is 'x': quit, the rest is not forwarded. */
	CHECK_EQ(console_filter(&esc, c, sizeof(c), &quit), 0);
	CHECK(quit);
	/* Ctrl-A followed by another key drops both. */
	esc = false;
	CHECK_EQ(console_filter(&esc, d, sizeof(d), &quit), 2);
	CHECK(!memcmp(d, "qw", 2) && !quit);
}

static const struct test_case cases[] = {
	TEST_CASE(test_defaults_and_values),
	TEST_CASE(test_flat),
	TEST_CASE(test_disks),
	TEST_CASE(test_bad_options),
	TEST_CASE(test_parse_size),
	TEST_CASE(test_console_escape),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
