/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio over MMIO (virtio 1.x "Virtio Over MMIO", register layout version
 * 2, modern only) and split virtqueues.  A backend (blk, net, rng) fills a
 * struct virtio_device; the transport owns the registers and the queues.
 *
 * Locking: one mutex per device (struct virtio_mmio.lock) guards the
 * registers, the queues and the backend state.  vCPU threads take it for
 * register accesses and queue notifications (the backend's notify() runs
 * under it); the I/O thread takes it to deliver received packets.
 */
#ifndef KVMX_VMM_VIRTIO_MMIO_H
#define KVMX_VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "irq.h"
#include "mem.h"

#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION		2
#define VIRTIO_MMIO_VENDOR_ID		0x584d564b	/* "KVMX" */
#define VIRTIO_MAX_QUEUES		2
#define VIRTIO_QUEUE_SIZE_MAX		256
#define VIRTQ_MAX_SEGMENTS		VIRTIO_QUEUE_SIZE_MAX

/* Register offsets. */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION_REG		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID_REG	0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_F_VERSION_1		32
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FAILED		128
#define VIRTIO_INT_USED_RING		1

#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_RNG			4

struct virtqueue {
	uint16_t num;		/* size the driver chose */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail;	/* next avail ring slot to consume */
	bool broken;		/* malformed ring: stop processing until reset */
};

/* One popped descriptor chain, as host iovecs. */
struct virtq_elem {
	uint16_t head;
	unsigned int nr_out, nr_in;	/* device-readable, then device-writable */
	struct iovec out[VIRTQ_MAX_SEGMENTS];
	struct iovec in[VIRTQ_MAX_SEGMENTS];
};

struct virtio_device;

struct virtio_device_ops {
	/* The driver notified queue @q (device lock held). */
	void (*notify)(struct virtio_device *dev, int q);
	/* Device-specific config space read, @offset from 0x100 (lock held). */
	void (*read_config)(struct virtio_device *dev, uint32_t offset, uint8_t *data,
			    uint32_t len);
	/* DRIVER_OK was set (lock held); may be NULL. */
	void (*start)(struct virtio_device *dev);
	/* Status 0 written: back to the initial state (lock held); may be NULL. */
	void (*reset)(struct virtio_device *dev);
	void (*destroy)(struct virtio_device *dev);
};

struct virtio_device {
	const struct virtio_device_ops *ops;
	const char *name;		/* "virtio-blk", ... */
	uint32_t device_id;
	uint64_t features;		/* offered; VERSION_1 is added by the transport */
	int nr_queues;
	struct virtio_mmio *transport;	/* set by virtio_mmio_create() */
};

struct virtio_mmio {
	pthread_mutex_t lock;
	struct virtio_device *dev;
	struct guest_mem *mem;
	struct irq_line *irq;
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
};

struct vm;
struct virtio_mmio *virtio_mmio_create(struct vm *vm, struct virtio_device *dev,
				       struct irq_line *irq);
void virtio_mmio_destroy(struct virtio_mmio *vmmio);
void virtio_mmio_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write);
/* Raise the used-ring interrupt (lock held). */
void virtio_mmio_signal(struct virtio_mmio *vmmio);

/* Split virtqueue helpers (pure over guest memory; unit-tested). */
/* 1: popped into @elem; 0: ring empty; <0: malformed ring (vq marked broken). */
int virtq_pop(struct virtqueue *vq, struct guest_mem *mem, struct virtq_elem *elem);
void virtq_push(struct virtqueue *vq, struct guest_mem *mem, uint16_t head,
		uint32_t len);
/* Copy helpers across an iovec array; return bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t offset, void *buf,
		  size_t len);
size_t buf_to_iov(const struct iovec *iov, unsigned int n, size_t offset,
		  const void *buf, size_t len);
size_t iov_length(const struct iovec *iov, unsigned int n);

#endif /* KVMX_VMM_VIRTIO_MMIO_H */
