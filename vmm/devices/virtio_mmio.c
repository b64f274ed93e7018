// SPDX-License-Identifier: GPL-2.0
/* virtio-mmio transport (register layout version 2). */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "virtio_mmio.h"
#include "vm.h"

struct virtio_mmio *virtio_mmio_create(struct vm *vm, struct virtio_device *dev,
				       struct irq_line *irq)
{
	struct virtio_mmio *t = calloc(1, sizeof(*t));

	if (!t) {
		dev->ops->destroy(dev);
		vmm_error("%s: out of memory", dev->name);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->dev = dev;
	t->mem = &vm->mem;
	t->irq = irq;
	dev->transport = t;
	return t;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (!t)
		return;
	t->dev->ops->destroy(t->dev);
	free(t);
}

void virtio_mmio_signal(struct virtio_mmio *t)
{
	t->interrupt_status |= VIRTIO_INT_USED_RING;
	/* Edge-triggered (see the DSDT): every notification is a new edge. */
	irq_line_pulse(t->irq);
}

static uint64_t offered_features(const struct virtio_mmio *t)
{
	return t->dev->features | (1ULL << VIRTIO_F_VERSION_1);
}

static void virtio_mmio_reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = 0;
	t->queue_sel = 0;
	t->interrupt_status = 0;
	memset(t->vqs, 0, sizeof(t->vqs));
	if (t->dev->ops->reset)
		t->dev->ops->reset(t->dev);
}

static struct virtqueue *selected_vq(struct virtio_mmio *t)
{
	return t->queue_sel < (uint32_t)t->dev->nr_queues ? &t->vqs[t->queue_sel] : NULL;
}

static uint32_t virtio_mmio_read(struct virtio_mmio *t, uint64_t offset)
{
	struct virtqueue *vq = selected_vq(t);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG:
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->dev->device_id;
	case VIRTIO_MMIO_VENDOR_ID_REG:
		return VIRTIO_MMIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->device_features_sel > 1)
			return 0;
		return offered_features(t) >> (32 * t->device_features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VIRTIO_QUEUE_SIZE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;	/* config never changes under the driver */
	default:
		return 0;
	}
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffULL) | val;
}

static void virtio_mmio_queue_write(struct virtio_mmio *t, uint64_t offset, uint32_t v)
{
	struct virtqueue *vq = selected_vq(t);

	if (!vq)
		return;
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		/* Power of two up to the maximum (split rings need not, Linux does). */
		if (v && v <= VIRTIO_QUEUE_SIZE_MAX)
			vq->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		vq->ready = v & 1;
		vq->last_avail = 0;
		vq->broken = !vq->num;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vq->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&vq->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		break;
	}
}

static void virtio_mmio_write(struct virtio_mmio *t, uint64_t offset, uint32_t v)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->driver_features_sel <= 1)
			set_half(&t->driver_features, t->driver_features_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < (uint32_t)t->dev->nr_queues && (t->status & VIRTIO_STATUS_DRIVER_OK))
			t->dev->ops->notify(t->dev, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->interrupt_status &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		if (!v) {
			virtio_mmio_reset(t);
			break;
		}
		if (!(t->status & VIRTIO_STATUS_DRIVER_OK) && (v & VIRTIO_STATUS_DRIVER_OK)) {
			t->status = v;
			if (t->dev->ops->start)
				t->dev->ops->start(t->dev);
			break;
		}
		t->status = v;
		break;
	default:
		virtio_mmio_queue_write(t, offset, v);
		break;
	}
}

void virtio_mmio_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write)
{
	struct virtio_mmio *t = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&t->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!is_write)
			t->dev->ops->read_config(t->dev, offset - VIRTIO_MMIO_CONFIG, data, len);
		/* Config writes (e.g. virtio-blk writeback toggling) are ignored. */
	} else if (len != 4 || offset % 4) {
		/* The spec requires aligned 32-bit accesses below the config space. */
		if (!is_write)
			memset(data, 0, len);
	} else if (is_write) {
		memcpy(&v, data, 4);
		virtio_mmio_write(t, offset, v);
	} else {
		v = virtio_mmio_read(t, offset);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}
