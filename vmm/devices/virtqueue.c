// SPDX-License-Identifier: GPL-2.0
/* Split virtqueues (virtio 1.x "Split Virtqueues"). */
#include <errno.h>
#include <string.h>

#include "util.h"
#include "virtio_mmio.h"

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
} __attribute__((packed));

/* avail: flags, idx, ring[num]; used: flags, idx, ring[num] of used_elem. */
#define VIRTQ_AVAIL_IDX_OFFSET	2
#define VIRTQ_AVAIL_RING_OFFSET	4
#define VIRTQ_USED_IDX_OFFSET	2
#define VIRTQ_USED_RING_OFFSET	4

static uint16_t load_u16(const void *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

int virtq_pop(struct virtqueue *vq, struct guest_mem *mem, struct virtq_elem *elem)
{
	uint8_t *avail = gpa_to_hva(mem, vq->avail_gpa,
				    VIRTQ_AVAIL_RING_OFFSET + 2 * vq->num);
	struct virtq_desc *desc = gpa_to_hva(mem, vq->desc_gpa,
					     sizeof(*desc) * vq->num);
	uint16_t avail_idx, head, i;
	unsigned int seen = 0;

	if (!vq->ready || vq->broken)
		return 0;
	if (!avail || !desc)
		goto broken;
	avail_idx = load_u16(avail + VIRTQ_AVAIL_IDX_OFFSET);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		goto broken;
	/* Read the ring entry only after seeing the index (acquire above). */
	memcpy(&head, avail + VIRTQ_AVAIL_RING_OFFSET + 2 * (vq->last_avail % vq->num), 2);
	if (head >= vq->num)
		goto broken;
	vq->last_avail++;

	elem->head = head;
	elem->nr_in = elem->nr_out = 0;
	for (i = head;; i = desc[i].next) {
		struct virtq_desc d;
		void *hva;

		if (i >= vq->num || ++seen > vq->num)
			goto broken;	/* out of range or a loop */
		memcpy(&d, &desc[i], sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			goto broken;	/* not negotiated */
		hva = gpa_to_hva(mem, d.addr, d.len);
		if (!hva)
			goto broken;
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			elem->in[elem->nr_in].iov_base = hva;
			elem->in[elem->nr_in++].iov_len = d.len;
		} else {
			if (elem->nr_in)
				goto broken;	/* readable after writable */
			elem->out[elem->nr_out].iov_base = hva;
			elem->out[elem->nr_out++].iov_len = d.len;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
	}
	return 1;

broken:
	vq->broken = true;
	vmm_debug("virtqueue at 0x%llx is malformed; stopped until reset",
		  (unsigned long long)vq->desc_gpa);
	return -EINVAL;
}

void virtq_push(struct virtqueue *vq, struct guest_mem *mem, uint16_t head,
		uint32_t len)
{
	uint64_t used_size = VIRTQ_USED_RING_OFFSET +
			     sizeof(struct virtq_used_elem) * vq->num;
	uint8_t *used = gpa_to_hva(mem, vq->used_gpa, used_size);
	struct virtq_used_elem e = { .id = head, .len = len };
	uint16_t idx;

	if (!used)
		return;
	memcpy(&idx, used + VIRTQ_USED_IDX_OFFSET, 2);
	memcpy(used + VIRTQ_USED_RING_OFFSET + sizeof(e) * (idx % vq->num), &e, sizeof(e));
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(used + VIRTQ_USED_IDX_OFFSET), (uint16_t)(idx + 1),
			 __ATOMIC_RELEASE);
}

size_t iov_length(const struct iovec *iov, unsigned int n)
{
	size_t len = 0;

	while (n--)
		len += iov++->iov_len;
	return len;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t offset, void *buf,
		  size_t len)
{
	size_t done = 0;

	for (; n && done < len; iov++, n--) {
		size_t chunk;

		if (offset >= iov->iov_len) {
			offset -= iov->iov_len;
			continue;
		}
		chunk = MIN(iov->iov_len - offset, len - done);
		memcpy((uint8_t *)buf + done, (uint8_t *)iov->iov_base + offset, chunk);
		done += chunk;
		offset = 0;
	}
	return done;
}

size_t buf_to_iov(const struct iovec *iov, unsigned int n, size_t offset,
		  const void *buf, size_t len)
{
	size_t done = 0;

	for (; n && done < len; iov++, n--) {
		size_t chunk;

		if (offset >= iov->iov_len) {
			offset -= iov->iov_len;
			continue;
		}
		chunk = MIN(iov->iov_len - offset, len - done);
		memcpy((uint8_t *)iov->iov_base + offset, (const uint8_t *)buf + done, chunk);
		done += chunk;
		offset = 0;
	}
	return done;
}
