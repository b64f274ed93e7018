// SPDX-License-Identifier: GPL-2.0
/*
 * qcow2 images (QEMU's docs/interop/qcow2.txt): versions 2 and 3, reads
 * through L1/L2 tables with backing chains, and writes that allocate
 * clusters at the end of the file with refcount updates (16-bit refcounts,
 * the default), growing the refcount table when the file outgrows it.
 * Not supported for writing: internal snapshots (clusters without the
 * COPIED flag), other refcount widths; such images open read-only
 * (readonly or snapshot still work).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "util.h"

#define QCOW2_MAGIC			0x514649fbU	/* "QFI\xfb" */
#define QCOW2_HEADER_V2_SIZE		72
#define QCOW2_HEADER_V3_MIN_SIZE	104
#define QCOW2_MIN_CLUSTER_BITS		9
#define QCOW2_MAX_CLUSTER_BITS		21
#define QCOW2_OFFSET_MASK		0x00fffffffffffe00ULL
#define QCOW2_L2_COMPRESSED		(1ULL << 62)
#define QCOW2_COPIED			(1ULL << 63)
#define QCOW2_WRITABLE_REFCOUNT_ORDER	4	/* 16-bit refcounts */
#define QCOW2_L2_ZERO			(1ULL << 0)
#define QCOW2_INCOMPAT_DIRTY		(1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT		(1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE	(1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION	(1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2		(1ULL << 4)
/* Features a reader may ignore: dirty refcounts, the compression type. */
#define QCOW2_INCOMPAT_READ_OK		(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_COMPRESSION)
/* Refuse L1 tables beyond this (32 MiB of L1 = petabytes of disk). */
#define QCOW2_MAX_L1_ENTRIES		(4U << 20)

struct qcow2_header {
	uint32_t magic;
	uint32_t version;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	uint32_t cluster_bits;
	uint64_t size;
	uint32_t crypt_method;
	uint32_t l1_size;
	uint64_t l1_table_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t incompatible_features;		/* v3 from here */
	uint64_t compatible_features;
	uint64_t autoclear_features;
	uint32_t refcount_order;
	uint32_t header_length;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_header) == QCOW2_HEADER_V3_MIN_SIZE, "qcow2 header");

struct qcow2_disk {
	struct disk disk;	/* first: cast from struct disk */
	int fd;
	char path[PATH_MAX];
	uint32_t cluster_bits;
	uint32_t l2_bits;	/* entries per L2 table, log2 */
	uint32_t l1_size;
	uint64_t *l1;		/* host-endian copy */
	uint64_t l1_offset;	/* where the L1 table lives in the file */
	struct disk *backing;	/* NULL: unallocated clusters read as zeros */
	/* Writing (set up only for a writable image). */
	bool writable;
	uint64_t rt_offset;	/* refcount table */
	uint64_t rt_entries;
	bool growing;		/* the refcount table is being replaced */
	uint64_t next_free;	/* first cluster-aligned offset past the file's end */
	uint8_t *cluster_buf;	/* one cluster, for read-modify-write */
	uint8_t *zero_buf;	/* one cluster of zeros, for new metadata */
};

static struct qcow2_disk *to_qcow2(struct disk *d)
{
	return (struct qcow2_disk *)d;
}

/*
 * Host offset of guest @off's cluster: >0 allocated, 0 unallocated (fall
 * through to the backing file), -1 reads as zeros, <0 other: -errno.
 */
static int64_t qcow2_lookup(struct qcow2_disk *q, uint64_t off)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint64_t l1_index = off >> (q->cluster_bits + q->l2_bits);
	uint64_t l2_index = (off >> q->cluster_bits) & ((1ULL << q->l2_bits) - 1);
	uint64_t l2_offset, entry;
	int err;

	if (l1_index >= q->l1_size)
		return 0;
	l2_offset = q->l1[l1_index] & QCOW2_OFFSET_MASK;
	if (!l2_offset)
		return 0;
	err = disk_pread(q->fd, &entry, sizeof(entry), l2_offset + l2_index * 8);
	if (err)
		return err;
	entry = be64toh(entry);
	if (entry & QCOW2_L2_COMPRESSED)
		return -ENOTSUP;
	if (entry & QCOW2_L2_ZERO)
		return -1;
	entry &= QCOW2_OFFSET_MASK;
	if (entry % cluster_size)
		return -EIO;
	return entry;
}

static int qcow2_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	struct qcow2_disk *q = to_qcow2(d);
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint8_t *p = buf;
	int err;

	while (len) {
		uint64_t in_cluster = off & (cluster_size - 1);
		size_t chunk = MIN(len, cluster_size - in_cluster);
		int64_t host = qcow2_lookup(q, off);

		if (host < -1)
			return host;
		if (host > 0) {
			err = disk_pread(q->fd, p, chunk, host + in_cluster);
		} else if (host == 0 && q->backing && off < q->backing->size) {
			size_t from_backing = MIN(chunk, q->backing->size - off);

			err = disk_read(q->backing, off, p, from_backing);
			memset(p + from_backing, 0, chunk - from_backing);
		} else {
			memset(p, 0, chunk);
			err = 0;
		}
		if (err)
			return err;
		p += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

static int write_be64(struct qcow2_disk *q, uint64_t off, uint64_t v)
{
	v = htobe64(v);
	return disk_pwrite(q->fd, &v, sizeof(v), off);
}

static int qcow2_grow_refcount_table(struct qcow2_disk *q, uint64_t rt_index);

/*
 * Set the refcount of the cluster at @host to @value.  A missing refcount
 * block is allocated at the end of the file (and counted itself, which may
 * take another block); a table too short for @host is grown first.
 */
static int qcow2_set_refcount(struct qcow2_disk *q, uint64_t host, uint16_t value)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint64_t per_block = cluster_size / 2;	/* 16-bit entries */
	uint64_t index = host >> q->cluster_bits;
	uint64_t rt_index = index / per_block, block;
	uint16_t be_value = htobe16(value);
	int err;

	if (rt_index >= q->rt_entries) {
		err = qcow2_grow_refcount_table(q, rt_index);
		if (err)
			return err;
	}
	err = disk_pread(q->fd, &block, sizeof(block), q->rt_offset + rt_index * 8);
	if (err)
		return err;
	block = be64toh(block) & QCOW2_OFFSET_MASK;
	if (!block) {
		/* zero_buf: cluster_buf may hold the data being written. */
		block = q->next_free;
		q->next_free += cluster_size;
		err = disk_pwrite(q->fd, q->zero_buf, cluster_size, block);
		if (!err)
			err = write_be64(q, q->rt_offset + rt_index * 8, block);
		/* The block counts itself, in itself or in a block after it. */
		if (!err)
			err = qcow2_set_refcount(q, block, 1);
		if (err)
			return err;
	}
	return disk_pwrite(q->fd, &be_value, 2, block + (index % per_block) * 2);
}

/*
 * Replace the refcount table by a larger copy at the end of the file, big
 * enough for @rt_index and for everything the growth itself allocates (the
 * new table and the refcount blocks that count it), so that it never
 * recurses.  Order: the new table is written, then the header points at
 * it, then its clusters are counted and the old table's released.
 */
static int qcow2_grow_refcount_table(struct qcow2_disk *q, uint64_t rt_index)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint64_t per_block = cluster_size / 2;
	uint64_t per_cluster = cluster_size / 8;	/* table entries */
	uint64_t old_offset = q->rt_offset, old_entries = q->rt_entries;
	uint64_t entries = MAX(old_entries * 2, rt_index + 1), clusters, end, offset, i;
	struct {
		uint64_t offset;
		uint32_t clusters;
	} __attribute__((packed)) hdr;
	uint64_t *table;
	int err;

	if (q->growing)
		return -EIO;	/* sized so that this cannot happen */
	for (;;) {
		entries = ALIGN_UP(entries, per_cluster);
		clusters = entries / per_cluster;
		/* The last cluster in use once the table and its blocks exist. */
		end = (q->next_free >> q->cluster_bits) + clusters +
		      clusters / per_block + 2;
		if (end / per_block < entries && clusters <= UINT32_MAX)
			break;
		if (clusters > UINT32_MAX)
			return -EFBIG;
		entries *= 2;
	}
	table = calloc(entries, sizeof(*table));
	if (!table)
		return -ENOMEM;
	err = disk_pread(q->fd, table, old_entries * 8, old_offset);
	offset = q->next_free;
	if (!err)
		err = disk_pwrite(q->fd, table, entries * 8, offset);
	free(table);
	if (err)
		return err;
	q->next_free += clusters * cluster_size;
	if (fdatasync(q->fd) < 0)
		return -errno;
	hdr.offset = htobe64(offset);
	hdr.clusters = htobe32((uint32_t)clusters);
	err = disk_pwrite(q->fd, &hdr, sizeof(hdr),
			  offsetof(struct qcow2_header, refcount_table_offset));
	if (err)
		return err;
	q->rt_offset = offset;
	q->rt_entries = entries;
	q->growing = true;
	for (i = 0; !err && i < clusters; i++)
		err = qcow2_set_refcount(q, offset + i * cluster_size, 1);
	for (i = 0; !err && i < old_entries / per_cluster; i++)
		err = qcow2_set_refcount(q, old_offset + i * cluster_size, 0);
	q->growing = false;
	return err;
}

/* A new zeroed cluster at the end of the file, counted; returns its offset. */
static int64_t qcow2_alloc_cluster(struct qcow2_disk *q)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint64_t host = q->next_free;
	int err;

	q->next_free += cluster_size;
	err = qcow2_set_refcount(q, host, 1);
	if (!err)
		err = disk_pwrite(q->fd, q->zero_buf, cluster_size, host);
	return err ? err : (int64_t)host;
}

/* The L2 table for @off, allocated if absent; its file offset or -errno. */
static int64_t qcow2_l2_for_write(struct qcow2_disk *q, uint64_t off)
{
	uint64_t l1_index = off >> (q->cluster_bits + q->l2_bits);
	int64_t l2;
	int err;

	if (l1_index >= q->l1_size)
		return -EIO;
	if (q->l1[l1_index] & QCOW2_OFFSET_MASK) {
		if (!(q->l1[l1_index] & QCOW2_COPIED))
			return -ENOTSUP;	/* shared with an internal snapshot */
		return q->l1[l1_index] & QCOW2_OFFSET_MASK;
	}
	l2 = qcow2_alloc_cluster(q);
	if (l2 < 0)
		return l2;
	err = write_be64(q, q->l1_offset + l1_index * 8, l2 | QCOW2_COPIED);
	if (err)
		return err;
	q->l1[l1_index] = l2 | QCOW2_COPIED;
	return l2;
}

/* Write within one cluster. */
static int qcow2_write_cluster(struct qcow2_disk *q, uint64_t off, const uint8_t *buf,
			       size_t len)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint64_t start = off & ~(cluster_size - 1);
	uint64_t l2_index = (off >> q->cluster_bits) & ((1ULL << q->l2_bits) - 1);
	int64_t l2, data;
	uint64_t entry;
	int err;

	l2 = qcow2_l2_for_write(q, off);
	if (l2 < 0)
		return l2;
	err = disk_pread(q->fd, &entry, sizeof(entry), l2 + l2_index * 8);
	if (err)
		return err;
	entry = be64toh(entry);
	if ((entry & QCOW2_OFFSET_MASK) && !(entry & QCOW2_L2_ZERO)) {
		if (!(entry & QCOW2_COPIED))
			return -ENOTSUP;	/* shared with an internal snapshot */
		return disk_pwrite(q->fd, buf, len, (entry & QCOW2_OFFSET_MASK) +
				   (off - start));
	}
	/* New data cluster: the old contents (backing file or zeros) + @buf. */
	err = qcow2_read(&q->disk, start, q->cluster_buf,
			 MIN(cluster_size, q->disk.size - start));
	if (err)
		return err;
	memcpy(q->cluster_buf + (off - start), buf, len);
	if ((entry & QCOW2_OFFSET_MASK) && (entry & QCOW2_COPIED)) {
		/* A preallocated zero cluster: reuse it. */
		data = entry & QCOW2_OFFSET_MASK;
		err = 0;
	} else {
		data = q->next_free;
		q->next_free += cluster_size;
		err = qcow2_set_refcount(q, data, 1);
	}
	if (!err)
		err = disk_pwrite(q->fd, q->cluster_buf, cluster_size, data);
	if (!err)
		err = write_be64(q, l2 + l2_index * 8, data | QCOW2_COPIED);
	return err;
}

static int qcow2_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	struct qcow2_disk *q = to_qcow2(d);
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	const uint8_t *p = buf;
	int err;

	if (!q->writable)
		return -EROFS;
	while (len) {
		size_t chunk = MIN(len, cluster_size - (off & (cluster_size - 1)));

		err = qcow2_write_cluster(q, off, p, chunk);
		if (err)
			return err;
		p += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

static int qcow2_flush(struct disk *d)
{
	struct qcow2_disk *q = to_qcow2(d);

	return q->writable && fdatasync(q->fd) < 0 ? -errno : 0;
}

static void qcow2_close(struct disk *d)
{
	struct qcow2_disk *q = to_qcow2(d);

	if (q->backing)
		disk_close(q->backing);
	if (q->fd >= 0)
		close(q->fd);
	free(q->l1);
	free(q->cluster_buf);
	free(q->zero_buf);
	free(q);
}

static const struct disk_ops qcow2_ops = {
	.read = qcow2_read,
	.write = qcow2_write,
	.flush = qcow2_flush,
	.close = qcow2_close,
};

static void header_to_host(struct qcow2_header *h)
{
	h->magic = be32toh(h->magic);
	h->version = be32toh(h->version);
	h->backing_file_offset = be64toh(h->backing_file_offset);
	h->backing_file_size = be32toh(h->backing_file_size);
	h->cluster_bits = be32toh(h->cluster_bits);
	h->size = be64toh(h->size);
	h->crypt_method = be32toh(h->crypt_method);
	h->l1_size = be32toh(h->l1_size);
	h->l1_table_offset = be64toh(h->l1_table_offset);
	h->refcount_table_offset = be64toh(h->refcount_table_offset);
	h->refcount_table_clusters = be32toh(h->refcount_table_clusters);
	h->nb_snapshots = be32toh(h->nb_snapshots);
	h->incompatible_features = be64toh(h->incompatible_features);
	h->refcount_order = be32toh(h->refcount_order);
	h->header_length = be32toh(h->header_length);
}

static int qcow2_check_header(const char *path, struct qcow2_header *h)
{
	const char *why = NULL;

	if (h->magic != QCOW2_MAGIC)
		why = "not a qcow2 image";
	else if (h->version != 2 && h->version != 3)
		why = "unsupported qcow2 version";
	else if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
		 h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		why = "invalid cluster size";
	else if (h->crypt_method)
		why = "encrypted qcow2 images are not supported";
	else if (h->version == 3 && (h->incompatible_features & ~QCOW2_INCOMPAT_READ_OK))
		why = "qcow2 incompatible features set (corrupt, external data file or extended L2)";
	else if (h->l1_size > QCOW2_MAX_L1_ENTRIES)
		why = "L1 table too large";
	if (why) {
		vmm_error("--disk %s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

static int qcow2_open_backing(struct qcow2_disk *q, const struct qcow2_header *h,
			      int depth)
{
	char name[PATH_MAX], dir[PATH_MAX], full[PATH_MAX * 2];
	int err;

	if (!h->backing_file_offset)
		return 0;
	if (!h->backing_file_size || h->backing_file_size >= sizeof(name)) {
		vmm_error("--disk %s: bad backing file name length", q->path);
		return -EINVAL;
	}
	err = disk_pread(q->fd, name, h->backing_file_size, h->backing_file_offset);
	if (err)
		return vmm_error_errno(-err, "--disk %s: reading the backing file name", q->path);
	name[h->backing_file_size] = '\0';
	/* A relative name is relative to the image that names it. */
	if (name[0] == '/') {
		snprintf(full, sizeof(full), "%s", name);
	} else {
		snprintf(dir, sizeof(dir), "%s", q->path);
		snprintf(full, sizeof(full), "%s/%s", dirname(dir), name);
	}
	return disk_open_backing(full, depth + 1, &q->backing);
}

/* Check that we can write this image and set up the allocator. */
static int qcow2_prepare_write(struct qcow2_disk *q, const struct qcow2_header *h)
{
	uint64_t cluster_size = 1ULL << q->cluster_bits;
	uint32_t order = h->version == 2 ? QCOW2_WRITABLE_REFCOUNT_ORDER : h->refcount_order;
	const char *why = NULL;
	uint64_t zero = 0;
	off_t end;

	if (order != QCOW2_WRITABLE_REFCOUNT_ORDER)
		why = "refcounts are not 16 bits wide";
	else if (h->nb_snapshots)
		why = "it has internal snapshots";
	else if (h->incompatible_features & QCOW2_INCOMPAT_DIRTY)
		why = "its refcounts are dirty (run qemu-img check -r all)";
	if (why) {
		vmm_error("--disk %s: cannot write this qcow2 image: %s; add ,snapshot or ,readonly",
			  q->path, why);
		return -ENOTSUP;
	}
	end = lseek(q->fd, 0, SEEK_END);
	q->cluster_buf = malloc(cluster_size);
	q->zero_buf = calloc(1, cluster_size);
	if (end < 0 || !q->cluster_buf || !q->zero_buf)
		return vmm_error_errno(end < 0 ? errno : ENOMEM, "--disk %s", q->path);
	q->next_free = ALIGN_UP((uint64_t)end, cluster_size);
	q->rt_offset = h->refcount_table_offset;
	q->rt_entries = (uint64_t)h->refcount_table_clusters * cluster_size / 8;
	/* We do not maintain bitmaps: clear the autoclear features, as required. */
	if (h->version == 3 && be64toh(h->autoclear_features) &&
	    disk_pwrite(q->fd, &zero, sizeof(zero), offsetof(struct qcow2_header,
							    autoclear_features)))
		return vmm_error_errno(EIO, "--disk %s: clearing autoclear features", q->path);
	q->writable = true;
	return 0;
}

int qcow2_open(const char *path, bool readonly, int depth, struct disk **out)
{
	struct qcow2_header h = { 0 };
	struct qcow2_disk *q;
	uint32_t i;
	int err;

	q = calloc(1, sizeof(*q));
	if (!q)
		return vmm_error_errno(ENOMEM, "--disk %s", path);
	q->disk.ops = &qcow2_ops;
	q->disk.path = q->path;
	q->disk.overlay_fd = -1;
	snprintf(q->path, sizeof(q->path), "%s", path);
	q->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (q->fd < 0) {
		err = vmm_error_errno(errno, "--disk %s", path);
		goto fail;
	}
	err = disk_pread(q->fd, &h, sizeof(h), 0);
	if (err) {
		vmm_error_errno(-err, "--disk %s: reading the qcow2 header", path);
		goto fail;
	}
	header_to_host(&h);
	err = qcow2_check_header(path, &h);
	if (err)
		goto fail;
	if (h.version == 2)
		h.incompatible_features = 0;
	q->cluster_bits = h.cluster_bits;
	q->l2_bits = h.cluster_bits - 3;
	q->l1_size = h.l1_size;
	q->disk.size = h.size;
	q->l1 = calloc(h.l1_size ? h.l1_size : 1, sizeof(uint64_t));
	if (!q->l1) {
		err = vmm_error_errno(ENOMEM, "--disk %s: L1 table", path);
		goto fail;
	}
	err = disk_pread(q->fd, q->l1, h.l1_size * sizeof(uint64_t), h.l1_table_offset);
	if (err) {
		vmm_error_errno(-err, "--disk %s: reading the L1 table", path);
		goto fail;
	}
	for (i = 0; i < h.l1_size; i++)
		q->l1[i] = be64toh(q->l1[i]);
	q->l1_offset = h.l1_table_offset;
	err = qcow2_open_backing(q, &h, depth);
	if (!err && !readonly)
		err = qcow2_prepare_write(q, &h);
	if (err)
		goto fail;
	*out = &q->disk;
	return 0;
fail:
	qcow2_close(&q->disk);
	return err;
}
