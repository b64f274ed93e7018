/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net over a host tap interface: no offloads, no mergeable receive
 * buffers; the 12-byte virtio-net header passes straight through the tap
 * (IFF_VNET_HDR).  A receive thread per device moves packets from the tap
 * into the guest's receive queue; transmission runs on the notifying vCPU.
 */
#ifndef KVMX_VMM_VIRTIO_NET_H
#define KVMX_VMM_VIRTIO_NET_H

#include "virtio_mmio.h"

int virtio_net_create(const char *tap_name, struct virtio_device **out);

#endif /* KVMX_VMM_VIRTIO_NET_H */
