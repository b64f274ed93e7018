/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-rng: fills the driver's buffers from the host's getrandom(). */
#ifndef KVMX_VMM_VIRTIO_RNG_H
#define KVMX_VMM_VIRTIO_RNG_H

#include "virtio_mmio.h"

int virtio_rng_create(struct virtio_device **out);

#endif /* KVMX_VMM_VIRTIO_RNG_H */
