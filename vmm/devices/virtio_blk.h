/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-blk over a struct disk: read, write, flush, get-id; one queue. */
#ifndef KVMX_VMM_VIRTIO_BLK_H
#define KVMX_VMM_VIRTIO_BLK_H

#include "options.h"
#include "virtio_mmio.h"

int virtio_blk_create(const struct disk_option *opt, struct virtio_device **out);

#endif /* KVMX_VMM_VIRTIO_BLK_H */
