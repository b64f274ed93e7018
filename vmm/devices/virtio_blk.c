// SPDX-License-Identifier: GPL-2.0
/* virtio-blk device (virtio 1.x "Block Device"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "util.h"
#include "virtio_blk.h"

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_FLUSH	9

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VIRTIO_BLK_ID_BYTES	20
/* Segments per request: the queue size minus header and status. */
#define VIRTIO_BLK_SEG_MAX	(VIRTIO_QUEUE_SIZE_MAX - 2)

struct virtio_blk_req_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
} __attribute__((packed));

/* The config space fields we fill (the rest reads as zero). */
struct virtio_blk_config {
	uint64_t capacity;	/* 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
} __attribute__((packed));

struct virtio_blk {
	struct virtio_device vdev;	/* first: cast from virtio_device */
	struct disk *disk;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	struct virtio_blk_config config;
	uint8_t bounce[64 * 1024];	/* data staging between iovecs and the disk */
};

static struct virtio_blk *to_blk(struct virtio_device *vdev)
{
	return (struct virtio_blk *)vdev;
}

/* Move @len bytes between the disk at @off and @iov, through the bounce buffer. */
static int blk_transfer(struct virtio_blk *blk, const struct iovec *iov, unsigned int n,
			size_t iov_off, uint64_t off, size_t len, bool to_disk)
{
	size_t done = 0;
	int err;

	while (done < len) {
		size_t chunk = MIN(len - done, sizeof(blk->bounce));

		if (to_disk) {
			iov_to_buf(iov, n, iov_off + done, blk->bounce, chunk);
			err = disk_write(blk->disk, off + done, blk->bounce, chunk);
		} else {
			err = disk_read(blk->disk, off + done, blk->bounce, chunk);
			if (!err)
				buf_to_iov(iov, n, iov_off + done, blk->bounce, chunk);
		}
		if (err)
			return err;
		done += chunk;
	}
	return 0;
}

/* Handle one request; returns the bytes written into device-writable buffers. */
static uint32_t blk_request(struct virtio_blk *blk, struct virtq_elem *e)
{
	struct virtio_blk_req_header hdr;
	size_t in_len = iov_length(e->in, e->nr_in);
	size_t out_len = iov_length(e->out, e->nr_out);
	uint8_t status = VIRTIO_BLK_S_OK;
	uint32_t written = 0;
	size_t data_len;
	uint64_t off;

	if (in_len < 1 || iov_to_buf(e->out, e->nr_out, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
		return 0;	/* no room for a status: drop it */
	off = hdr.sector * DISK_SECTOR_SIZE;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		data_len = in_len - 1;
		if (data_len % DISK_SECTOR_SIZE ||
		    hdr.sector > blk->disk->size / DISK_SECTOR_SIZE ||
		    blk_transfer(blk, e->in, e->nr_in, 0, off, data_len, false))
			status = VIRTIO_BLK_S_IOERR;
		else
			written = data_len;
		break;
	case VIRTIO_BLK_T_OUT:
		data_len = out_len - sizeof(hdr);
		if (blk->disk->readonly || data_len % DISK_SECTOR_SIZE ||
		    hdr.sector > blk->disk->size / DISK_SECTOR_SIZE ||
		    blk_transfer(blk, e->out, e->nr_out, sizeof(hdr), off, data_len, true))
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (disk_flush(blk->disk))
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = buf_to_iov(e->in, e->nr_in, 0, blk->serial,
				     MIN(in_len - 1, (size_t)VIRTIO_BLK_ID_BYTES));
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	/* The status byte is the last device-writable byte. */
	buf_to_iov(e->in, e->nr_in, in_len - 1, &status, 1);
	return written + 1;
}

static void blk_notify(struct virtio_device *vdev, int q)
{
	struct virtio_blk *blk = to_blk(vdev);
	struct virtio_mmio *t = vdev->transport;
	struct virtqueue *vq = &t->vqs[q];
	struct virtq_elem *e = malloc(sizeof(*e));
	bool done = false;

	if (!e)
		return;
	while (virtq_pop(vq, t->mem, e) > 0) {
		virtq_push(vq, t->mem, e->head, blk_request(blk, e));
		done = true;
	}
	free(e);
	if (done)
		virtio_mmio_signal(t);
}

static void blk_read_config(struct virtio_device *vdev, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	struct virtio_blk *blk = to_blk(vdev);

	memset(data, 0, len);
	if (offset < sizeof(blk->config))
		memcpy(data, (uint8_t *)&blk->config + offset,
		       MIN(len, sizeof(blk->config) - offset));
}

static void blk_destroy(struct virtio_device *vdev)
{
	struct virtio_blk *blk = to_blk(vdev);

	disk_close(blk->disk);
	free(blk);
}

static const struct virtio_device_ops blk_ops = {
	.notify = blk_notify,
	.read_config = blk_read_config,
	.destroy = blk_destroy,
};

int virtio_blk_create(const struct disk_option *opt, struct virtio_device **out)
{
	enum disk_probe format = !opt->format_given ? DISK_PROBE :
				 opt->format == DISK_FORMAT_QCOW2 ? DISK_QCOW2 : DISK_RAW;
	static unsigned int count;
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	int err;

	if (!blk)
		return vmm_error_errno(ENOMEM, "--disk %s", opt->path);
	err = disk_open(opt->path, format, opt->readonly, opt->snapshot, &blk->disk);
	if (err) {
		free(blk);
		return err;
	}
	blk->vdev.ops = &blk_ops;
	blk->vdev.name = "virtio-blk";
	blk->vdev.device_id = VIRTIO_ID_BLOCK;
	blk->vdev.nr_queues = 1;
	blk->vdev.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_FLUSH;
	if (opt->readonly)
		blk->vdev.features |= 1ULL << VIRTIO_BLK_F_RO;
	blk->config.capacity = blk->disk->size / DISK_SECTOR_SIZE;
	blk->config.seg_max = VIRTIO_BLK_SEG_MAX;
	snprintf(blk->serial, sizeof(blk->serial), "kvmx-disk%u", count++);
	*out = &blk->vdev;
	return 0;
}
