// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the disk back ends: raw, the snapshot overlay, and qcow2
 * with a backing chain (images made by qemu-img/qemu-io when installed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "disk.h"
#include "harness.h"

static char dir[64];

static const char *path(const char *name)
{
	static char buf[4][128];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void make_dir(void)
{
	if (dir[0])
		return;
	strcpy(dir, "/tmp/kvmx-disk-test.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void write_pattern(const char *file, size_t sectors)
{
	uint8_t s[DISK_SECTOR_SIZE];
	size_t i;
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	for (i = 0; i < sectors; i++) {
		memset(s, (int)(i & 0xff), sizeof(s));
		CHECK_EQ(write(fd, s, sizeof(s)), sizeof(s));
	}
	close(fd);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_raw_read_write(void)
{
	uint8_t buf[1024];
	struct disk *d;

	make_dir();
	write_pattern(path("raw.img"), 64);
	CHECK_EQ(disk_open(path("raw.img"), DISK_PROBE, false, false, &d), 0);
	CHECK_EQ(d->size, 64 * 512);
	CHECK_EQ(disk_read(d, 3 * 512, buf, 1024), 0);
	CHECK_EQ(buf[0], 3);
	CHECK_EQ(buf[1023], 4);
	memset(buf, 0xee, 512);
	CHECK_EQ(disk_write(d, 10 * 512, buf, 512), 0);
	CHECK_EQ(disk_flush(d), 0);
	CHECK_EQ(disk_read(d, 10 * 512, buf + 512, 512), 0);
	CHECK_EQ(buf[512], 0xee);
	CHECK_EQ(disk_read(d, 63 * 512, buf, 1024), -EIO);	/* past the end */
	disk_close(d);
}

static void test_readonly(void)
{
	uint8_t buf[512] = { 0 };
	struct disk *d;

	make_dir();
	write_pattern(path("ro.img"), 8);
	CHECK_EQ(disk_open(path("ro.img"), DISK_RAW, true, false, &d), 0);
	CHECK_EQ(disk_write(d, 0, buf, 512), -EROFS);
	disk_close(d);
}

static void test_snapshot_leaves_image_intact(void)
{
	uint8_t buf[2048], orig[512];
	struct disk *d;
	int fd;

	make_dir();
	write_pattern(path("snap.img"), 32);
	CHECK_EQ(disk_open(path("snap.img"), DISK_RAW, false, true, &d), 0);
	memset(buf, 0x77, 512);
	CHECK_EQ(disk_write(d, 5 * 512, buf, 512), 0);
	/* A read spanning base, overlay, base sectors. */
	CHECK_EQ(disk_read(d, 4 * 512, buf, 1536), 0);
	CHECK_EQ(buf[0], 4);
	CHECK_EQ(buf[512], 0x77);
	CHECK_EQ(buf[1535], 6);
	disk_close(d);
	fd = open(path("snap.img"), O_RDONLY);
	CHECK_EQ(pread(fd, orig, 512, 5 * 512), 512);
	close(fd);
	CHECK_EQ(orig[0], 5);	/* the image file is unchanged */
}

static void test_missing_and_bad_files(void)
{
	struct disk *d;

	make_dir();
	CHECK_EQ(disk_open(path("nonexistent"), DISK_PROBE, false, false, &d), -ENOENT);
	CHECK_EQ(disk_open(dir, DISK_RAW, false, false, &d), -EISDIR);
	write_pattern(path("notqcow.img"), 1);
	CHECK_EQ(disk_open(path("notqcow.img"), DISK_QCOW2, true, false, &d), -EINVAL);
}

static void test_qcow2_backing_chain(void)
{
	char cmd[1024];
	uint8_t buf[4096];
	struct disk *d;

	REQUIRE(!access("/usr/bin/qemu-img", X_OK) && !access("/usr/bin/qemu-io", X_OK),
		"qemu-img/qemu-io not installed (apt-get install qemu-utils)");
	make_dir();
	/* base.raw (pattern) <- mid.qcow2 (v2, 0x5a at 64K) <- top.qcow2 (v3). */
	write_pattern(path("base.raw"), 2048);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && qemu-img create -q -f qcow2 -o compat=0.10 -b base.raw -F raw mid.qcow2 &&"
		 " qemu-io -c 'write -P 0x5a 64k 4k' mid.qcow2 >/dev/null &&"
		 " qemu-img create -q -f qcow2 -o compat=1.1,cluster_size=4096 -b mid.qcow2 -F qcow2 top.qcow2 &&"
		 " qemu-io -c 'write -P 0xa5 512k 8k' -c 'write -z 0 4k' top.qcow2 >/dev/null",
		 dir);
	CHECK_EQ(sh(cmd), 0);	/* %s */

	CHECK_EQ(disk_open(path("top.qcow2"), DISK_PROBE, true, false, &d), 0);
	CHECK_EQ(d->size, 2048 * 512);
	CHECK_EQ(disk_read(d, 0, buf, 4096), 0);
	CHECK_EQ(buf[0] | buf[4095], 0);	/* zero cluster in top */
	CHECK_EQ(disk_read(d, 4096, buf, 512), 0);
	CHECK_EQ(buf[0], 8);	/* from base.raw through two levels */
	CHECK_EQ(disk_read(d, 64 * 1024, buf, 4096), 0);
	CHECK_EQ(buf[0], 0x5a);	/* from mid.qcow2 */
	CHECK_EQ(buf[4095], 0x5a);
	CHECK_EQ(disk_read(d, 512 * 1024 - 512, buf, 2048), 0);
	CHECK_EQ(buf[0], (1023 & 0xff));	/* base just before the top's cluster */
	CHECK_EQ(buf[512], 0xa5);	/* from top.qcow2 */
	CHECK_EQ(disk_write(d, 0, buf, 512), -EROFS);
	disk_close(d);
}

static void test_qcow2_snapshot(void)
{
	char cmd[512];
	uint8_t buf[512];
	struct disk *d;

	REQUIRE(!access("/usr/bin/qemu-img", X_OK), "qemu-img not installed");
	make_dir();
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img create -q -f qcow2 snap.qcow2 1M", dir);
	CHECK_EQ(sh(cmd), 0);
	CHECK_EQ(disk_open(path("snap.qcow2"), DISK_PROBE, false, true, &d), 0);
	memset(buf, 0x42, sizeof(buf));
	CHECK_EQ(disk_write(d, 1024, buf, 512), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(disk_read(d, 1024, buf, 512), 0);
	CHECK_EQ(buf[0], 0x42);
	disk_close(d);
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img check -q snap.qcow2 &&"
		 " qemu-io -c 'read -P 0 1024 512' snap.qcow2 >qio.log 2>&1 &&"
		 " ! grep -q -i fail qio.log", dir);
	CHECK_EQ(sh(cmd), 0);	/* untouched, consistent */
}

/* Write through kvmx, then let QEMU's tools judge the image. */
static void test_qcow2_write(void)
{
	static uint8_t big[1 << 20];
	char cmd[1024];
	uint8_t buf[4096];
	struct disk *d;
	size_t i;

	REQUIRE(!access("/usr/bin/qemu-img", X_OK) && !access("/usr/bin/qemu-io", X_OK),
		"qemu-img/qemu-io not installed");
	make_dir();
	/* Tiny clusters, so that 1 MiB needs new L2 tables and refcount blocks. */
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img create -q -f qcow2"
		 " -o compat=1.1,cluster_size=512 w.qcow2 4M", dir);
	CHECK_EQ(sh(cmd), 0);
	CHECK_EQ(disk_open(path("w.qcow2"), DISK_PROBE, false, false, &d), 0);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i / 512 * 3 + 1);
	CHECK_EQ(disk_write(d, 1 << 20, big, sizeof(big)), 0);
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(disk_write(d, 3 << 20, buf, 512), 0);
	CHECK_EQ(disk_write(d, 3 << 20, buf, 512), 0);	/* overwrite in place */
	CHECK_EQ(disk_flush(d), 0);
	CHECK_EQ(disk_read(d, (1 << 20) + 512 * 100, buf, 512), 0);
	CHECK_EQ(buf[0], (uint8_t)(100 * 3 + 1));
	CHECK_EQ(disk_read(d, 0, buf, 512), 0);
	CHECK_EQ(buf[0], 0);
	disk_close(d);
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img check -q w.qcow2 &&"
		 " qemu-io -c 'read -P 0x5a 3M 512' -c 'read -P 0 0 1M'"
		 " -c 'read -P 4 1049088 512' w.qcow2 >qio.log 2>&1 &&"
		 " ! grep -q -i fail qio.log && grep -c 'read ' qio.log | grep -qx 3", dir);
	CHECK_EQ(sh(cmd), 0);	/* consistent, and QEMU reads what we wrote */
}

/*
 * An image that outgrows its refcount table: with 512-byte clusters, the
 * table qemu-img makes (one cluster, 64 blocks of 256 clusters) covers
 * 8 MiB of file; 12 MiB of writes need it twice as large, at least.
 */
static void test_qcow2_refcount_table_growth(void)
{
	static uint8_t chunk[1 << 20];
	char cmd[1024];
	uint8_t buf[512], hdr[60];
	struct disk *d;
	size_t i, n;
	int fd;

	REQUIRE(!access("/usr/bin/qemu-img", X_OK) && !access("/usr/bin/qemu-io", X_OK),
		"qemu-img/qemu-io not installed");
	make_dir();
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img create -q -f qcow2"
		 " -o compat=1.1,cluster_size=512 g.qcow2 32M", dir);
	CHECK_EQ(sh(cmd), 0);
	CHECK_EQ(disk_open(path("g.qcow2"), DISK_PROBE, false, false, &d), 0);
	for (n = 0; n < 12; n++) {
		for (i = 0; i < sizeof(chunk); i += 512)
			memset(chunk + i, (int)((n * 7 + i / 512) & 0xff), 512);
		CHECK_EQ(disk_write(d, n << 20, chunk, sizeof(chunk)), 0);
	}
	/* Written before the growth, read after it; and the one that grew it. */
	CHECK_EQ(disk_read(d, 512 * 3, buf, 512), 0);
	CHECK_EQ(buf[0], 3);
	CHECK_EQ(disk_read(d, (11 << 20) + 512 * 5, buf, 512), 0);
	CHECK_EQ(buf[0], (uint8_t)(77 + 5));
	CHECK_EQ(disk_flush(d), 0);
	disk_close(d);

	/* The header names a larger table now. */
	fd = open(path("g.qcow2"), O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	close(fd);
	CHECK(be32toh(*(uint32_t *)(hdr + 56)) > 1);	/* refcount_table_clusters */
	/* qemu-img finds every refcount right (no leak, no error), QEMU reads it. */
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img check g.qcow2 >check.log 2>&1 &&"
		 " qemu-io -c 'read -P 3 1536 512' -c 'read -P 82 11536896 512'"
		 " -c 'read -P 0 12M 1M' g.qcow2 >qio.log 2>&1 &&"
		 " ! grep -q -i fail qio.log && grep -c 'read ' qio.log | grep -qx 3", dir);
	if (sh(cmd))
		sh("cat /tmp/kvmx-disk-test.*/check.log /tmp/kvmx-disk-test.*/qio.log >&2");
	CHECK_EQ(sh(cmd), 0);
	/* Reopened: every sector reads back, writes go on. */
	CHECK_EQ(disk_open(path("g.qcow2"), DISK_PROBE, false, false, &d), 0);
	for (n = 0; n < 12; n++) {
		CHECK_EQ(disk_read(d, n << 20, chunk, sizeof(chunk)), 0);
		for (i = 0; i < sizeof(chunk); i += 512)
			if (chunk[i] != (uint8_t)(n * 7 + i / 512) ||
			    chunk[i + 511] != chunk[i])
				break;
		CHECK_EQ(i, sizeof(chunk));
	}
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(disk_write(d, 20 << 20, buf, 512), 0);
	CHECK_EQ(disk_read(d, (5 << 20) + 512 * 9, buf, 512), 0);
	CHECK_EQ(buf[0], (uint8_t)(35 + 9));
	disk_close(d);
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img check -q g.qcow2", dir);
	CHECK_EQ(sh(cmd), 0);
}

static void test_qcow2_write_over_backing(void)
{
	char cmd[1024];
	uint8_t buf[512];
	struct disk *d;

	REQUIRE(!access("/usr/bin/qemu-img", X_OK) && !access("/usr/bin/qemu-io", X_OK),
		"qemu-img/qemu-io not installed");
	make_dir();
	write_pattern(path("b.raw"), 2048);
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img create -q -f qcow2 -b b.raw -F raw"
		 " ov.qcow2", dir);
	CHECK_EQ(sh(cmd), 0);
	CHECK_EQ(disk_open(path("ov.qcow2"), DISK_PROBE, false, false, &d), 0);
	memset(buf, 0xab, sizeof(buf));
	CHECK_EQ(disk_write(d, 10 * 512, buf, 512), 0);
	/* The rest of that 64 KiB cluster still shows the backing file. */
	CHECK_EQ(disk_read(d, 9 * 512, buf, 512), 0);
	CHECK_EQ(buf[0], 9);
	CHECK_EQ(disk_read(d, 11 * 512, buf, 512), 0);
	CHECK_EQ(buf[0], 11);
	disk_close(d);
	snprintf(cmd, sizeof(cmd), "cd %s && qemu-img check -q ov.qcow2 &&"
		 " qemu-io -c 'read -P 0xab 5k 512' -c 'read -P 11 5632 512' ov.qcow2"
		 " >qio.log 2>&1 && ! grep -q -i fail qio.log &&"
		 " grep -c 'read 512/512' qio.log | grep -qx 2", dir);
	CHECK_EQ(sh(cmd), 0);
}

static void cleanup(void)
{
	char cmd[128];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		sh(cmd);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(test_raw_read_write),
	TEST_CASE(test_readonly),
	TEST_CASE(test_snapshot_leaves_image_intact),
	TEST_CASE(test_missing_and_bad_files),
	TEST_CASE(test_qcow2_backing_chain),
	TEST_CASE(test_qcow2_snapshot),
	TEST_CASE(test_qcow2_write),
	TEST_CASE(test_qcow2_refcount_table_growth),
	TEST_CASE(test_qcow2_write_over_backing),
};

int main(void)
{
	int rc = run_tests(cases, ARRAY_SIZE(cases));

	cleanup();
	return rc;
}
