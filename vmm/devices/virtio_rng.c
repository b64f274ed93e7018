// SPDX-License-Identifier: GPL-2.0
/* virtio-rng device (virtio 1.x "Entropy Device"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util.h"
#include "virtio_rng.h"

#define RNG_CHUNK	256

static void rng_notify(struct virtio_device *vdev, int q)
{
	struct virtio_mmio *t = vdev->transport;
	struct virtqueue *vq = &t->vqs[q];
	struct virtq_elem *e = malloc(sizeof(*e));
	uint8_t buf[RNG_CHUNK];
	bool done = false;

	if (!e)
		return;
	while (virtq_pop(vq, t->mem, e) > 0) {
		size_t want = MIN(iov_length(e->in, e->nr_in), sizeof(buf));
		ssize_t got = getrandom(buf, want, 0);

		if (got < 0)
			got = 0;
		virtq_push(vq, t->mem, e->head, buf_to_iov(e->in, e->nr_in, 0, buf, got));
		done = true;
	}
	free(e);
	if (done)
		virtio_mmio_signal(t);
}

static void rng_read_config(struct virtio_device *vdev, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	(void)vdev;
	(void)offset;
	memset(data, 0, len);	/* no config space */
}

static void rng_destroy(struct virtio_device *vdev)
{
	free(vdev);
}

static const struct virtio_device_ops rng_ops = {
	.notify = rng_notify,
	.read_config = rng_read_config,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct virtio_device **out)
{
	struct virtio_device *vdev = calloc(1, sizeof(*vdev));

	if (!vdev)
		return vmm_error_errno(ENOMEM, "--rng");
	vdev->ops = &rng_ops;
	vdev->name = "virtio-rng";
	vdev->device_id = VIRTIO_ID_RNG;
	vdev->nr_queues = 1;
	*out = vdev;
	return 0;
}
