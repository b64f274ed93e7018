// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of split virtqueues, the virtio-mmio transport, virtio-blk
 * over a raw file and virtio-rng, driven the way a guest driver drives them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "layout.h"
#include "options.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "virtio_rng.h"
#include "vm.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000
#define DATA_GPA	0x10000
#define QSIZE		8
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

static struct vm vm;
static int pulses;
static uint16_t avail_idx;

static void count_irq(struct irq_line *line, int level)
{
	(void)line;
	pulses += level;
}

static struct irq_line irq = { .set = count_irq, .irq = 5 };

static void *hva(uint64_t gpa)
{
	return gpa_to_hva(&vm.mem, gpa, 1);
}

static void mem_setup(void)
{
	guest_mem_exit(&vm.mem);
	CHECK_EQ(guest_mem_init(&vm.mem, 4ULL << 20), 0);
	pulses = 0;
	avail_idx = 0;
}

static void set_desc(int i, uint64_t gpa, uint32_t len, uint16_t flags, uint16_t next)
{
	struct desc *d = hva(DESC_GPA);

	d[i] = (struct desc){ .addr = gpa, .len = len, .flags = flags, .next = next };
}

static void post(uint16_t head)
{
	uint16_t *avail = hva(AVAIL_GPA);

	avail[2 + avail_idx % QSIZE] = head;
	avail_idx++;
	avail[1] = avail_idx;
}

static uint16_t used_idx(void)
{
	return ((uint16_t *)hva(USED_GPA))[1];
}

static uint32_t used_len(int slot)
{
	uint32_t *ring = (uint32_t *)((uint8_t *)hva(USED_GPA) + 4);

	return ring[slot * 2 + 1];
}

static void test_pop_push_chain(void)
{
	struct virtqueue vq = { .num = QSIZE, .ready = true, .desc_gpa = DESC_GPA,
				.avail_gpa = AVAIL_GPA, .used_gpa = USED_GPA };
	static struct virtq_elem e;

	mem_setup();
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), 0);	/* empty ring */
	set_desc(3, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, DATA_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 6);
	set_desc(6, DATA_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	post(3);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), 1);
	CHECK_EQ(e.head, 3);
	CHECK_EQ(e.nr_out, 1);
	CHECK_EQ(e.nr_in, 2);
	CHECK(e.out[0].iov_base == hva(DATA_GPA));
	CHECK_EQ(e.in[0].iov_len, 512);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), 0);
	virtq_push(&vq, &vm.mem, e.head, 513);
	CHECK_EQ(used_idx(), 1);
	CHECK_EQ(used_len(0), 513);
}

static void test_malformed_rings(void)
{
	struct virtqueue vq = { .num = QSIZE, .ready = true, .desc_gpa = DESC_GPA,
				.avail_gpa = AVAIL_GPA, .used_gpa = USED_GPA };
	static struct virtq_elem e;

	mem_setup();
	/* A descriptor loop. */
	set_desc(0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	post(0);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), -EINVAL);
	CHECK(vq.broken);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), 0);	/* broken until reset */

	/* A buffer outside guest RAM. */
	vq = (struct virtqueue){ .num = QSIZE, .ready = true, .desc_gpa = DESC_GPA,
				 .avail_gpa = AVAIL_GPA, .used_gpa = USED_GPA,
				 .last_avail = avail_idx };
	set_desc(2, 0xfff00000, 16, 0, 0);
	post(2);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), -EINVAL);

	/* A head index beyond the queue. */
	vq = (struct virtqueue){ .num = QSIZE, .ready = true, .desc_gpa = DESC_GPA,
				 .avail_gpa = AVAIL_GPA, .used_gpa = USED_GPA,
				 .last_avail = avail_idx };
	post(QSIZE + 1);
	CHECK_EQ(virtq_pop(&vq, &vm.mem, &e), -EINVAL);
}

static uint32_t mmio_read(struct virtio_mmio *t, uint32_t off)
{
	uint32_t v;

	virtio_mmio_access(t, off, (uint8_t *)&v, 4, false);
	return v;
}

static void mmio_write(struct virtio_mmio *t, uint32_t off, uint32_t v)
{
	virtio_mmio_access(t, off, (uint8_t *)&v, 4, true);
}

/* What a driver does: features, one queue, DRIVER_OK. */
static void driver_setup(struct virtio_mmio *t, uint32_t device_id)
{
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_VERSION_REG), 2);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_DEVICE_ID), device_id);
	mmio_write(t, VIRTIO_MMIO_STATUS, 0);
	mmio_write(t, VIRTIO_MMIO_STATUS, 1 | 2);
	mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK(mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES) & 1, "VIRTIO_F_VERSION_1");
	mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_write(t, VIRTIO_MMIO_STATUS, 1 | 2 | 8);
	mmio_write(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	CHECK(mmio_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX) >= QSIZE);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_QUEUE_READY), 1);
	mmio_write(t, VIRTIO_MMIO_STATUS, 1 | 2 | 8 | 4);
}

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static char disk_path[64];

static struct virtio_mmio *make_blk(bool readonly)
{
	struct disk_option opt = { .readonly = readonly };
	struct virtio_device *dev;
	uint8_t sector[512];
	int fd, i;

	strcpy(disk_path, "/tmp/kvmx-virtio-test.XXXXXX");
	fd = mkstemp(disk_path);
	CHECK(fd >= 0);
	for (i = 0; i < 16; i++) {
		memset(sector, 'A' + i, sizeof(sector));
		CHECK_EQ(write(fd, sector, sizeof(sector)), sizeof(sector));
	}
	close(fd);
	strcpy(opt.path, disk_path);
	CHECK_EQ(virtio_blk_create(&opt, &dev), 0);
	return virtio_mmio_create(&vm, dev, &irq);
}

/* One request: header at DATA_GPA, data at +0x1000, status at +0x3000. */
static uint8_t blk_request(struct virtio_mmio *t, uint32_t type, uint64_t sector,
			   uint32_t data_len)
{
	struct blk_hdr *h = hva(DATA_GPA);
	uint8_t *status = hva(DATA_GPA + 0x3000);

	*h = (struct blk_hdr){ .type = type, .sector = sector };
	*status = 0xff;
	set_desc(0, DATA_GPA, sizeof(*h), VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA + 0x1000, data_len,
		 VIRTQ_DESC_F_NEXT | (type == 0 ? VIRTQ_DESC_F_WRITE : 0), 2);
	set_desc(2, DATA_GPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	return *status;
}

static void test_blk_read_write(void)
{
	struct virtio_mmio *t;
	uint8_t *data;
	uint64_t capacity = 0;
	char back[512];
	int fd;

	mem_setup();
	t = make_blk(false);
	driver_setup(t, VIRTIO_ID_BLOCK);
	virtio_mmio_access(t, VIRTIO_MMIO_CONFIG, (uint8_t *)&capacity, 8, false);
	CHECK_EQ(capacity, 16);

	data = hva(DATA_GPA + 0x1000);
	CHECK_EQ(blk_request(t, 0, 2, 1024), 0);	/* read sectors 2-3 */
	CHECK_EQ(data[0], 'C');
	CHECK_EQ(data[1023], 'D');
	CHECK_EQ(used_idx(), 1);
	CHECK_EQ(used_len(0), 1025);
	CHECK_EQ(pulses, 1);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED_RING);
	mmio_write(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED_RING);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	memset(data, 'w', 512);
	CHECK_EQ(blk_request(t, 1, 5, 512), 0);		/* write sector 5 */
	fd = open(disk_path, O_RDONLY);
	CHECK_EQ(pread(fd, back, 512, 5 * 512), 512);
	close(fd);
	CHECK_EQ(back[0], 'w');
	CHECK_EQ(back[511], 'w');

	CHECK_EQ(blk_request(t, 0, 15, 1024), 1);	/* read past the end: IOERR */
	CHECK_EQ(blk_request(t, 4, 0, 0), 0);	/* flush */
	CHECK_EQ(blk_request(t, 99, 0, 512), 2);	/* unknown type: UNSUPP */
	virtio_mmio_destroy(t);
	unlink(disk_path);
}

static void test_blk_readonly(void)
{
	struct virtio_mmio *t;

	mem_setup();
	t = make_blk(true);
	driver_setup(t, VIRTIO_ID_BLOCK);
	mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << 5), "VIRTIO_BLK_F_RO");
	CHECK_EQ(blk_request(t, 1, 0, 512), 1);	/* write to a read-only disk: IOERR */
	virtio_mmio_destroy(t);
	unlink(disk_path);
}

static void test_reset_clears_queues(void)
{
	struct virtio_mmio *t;

	mem_setup();
	t = make_blk(false);
	driver_setup(t, VIRTIO_ID_BLOCK);
	mmio_write(t, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(mmio_read(t, VIRTIO_MMIO_QUEUE_READY), 0);
	/* Notifications before DRIVER_OK are ignored. */
	post(0);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK_EQ(used_idx(), 0);
	virtio_mmio_destroy(t);
	unlink(disk_path);
}

static void test_rng(void)
{
	struct virtio_device *dev;
	struct virtio_mmio *t;
	uint8_t *buf;
	int i, nonzero = 0;

	mem_setup();
	CHECK_EQ(virtio_rng_create(&dev), 0);
	t = virtio_mmio_create(&vm, dev, &irq);
	driver_setup(t, VIRTIO_ID_RNG);
	set_desc(0, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK_EQ(used_idx(), 1);
	CHECK_EQ(used_len(0), 64);
	buf = hva(DATA_GPA);
	for (i = 0; i < 64; i++)
		nonzero += buf[i] != 0;
	CHECK(nonzero > 32, "%d of 64 random bytes non-zero", nonzero);
	CHECK_EQ(pulses, 1);
	virtio_mmio_destroy(t);
}

static void test_unaligned_register_access(void)
{
	struct virtio_device *dev;
	struct virtio_mmio *t;
	uint8_t b = 0xaa;

	mem_setup();
	CHECK_EQ(virtio_rng_create(&dev), 0);
	t = virtio_mmio_create(&vm, dev, &irq);
	virtio_mmio_access(t, VIRTIO_MMIO_MAGIC_VALUE + 1, &b, 1, false);
	CHECK_EQ(b, 0);
	virtio_mmio_destroy(t);
}

#define TEST_TAP		"kvmxtest0"
#define TEST_ETHERTYPE		0x88b5	/* IEEE local experimental */
#define NET_HDR_SIZE		12
#define RXQ_DESC		0
#define TX_DESC			4
#define FRAME_LEN		60
#define RX_BUF_GPA		(DATA_GPA + 0x8000)

/* The second queue (TX) lives right after the first one's rings. */
#define TXQ_DESC_GPA		0x4000
#define TXQ_AVAIL_GPA		0x5000
#define TXQ_USED_GPA		0x6000

static void build_frame(uint8_t *f, uint8_t tag)
{
	memset(f, tag, FRAME_LEN);
	memset(f, 0xff, 6);			/* broadcast destination */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(TEST_ETHERTYPE),
				   .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(TEST_ETHERTYPE));

	CHECK(fd >= 0);
	CHECK(!bind(fd, (struct sockaddr *)&sll, sizeof(sll)));
	return fd;
}

static void bring_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	char path[128];
	FILE *f;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	/* No IPv6 chatter on the test interface. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	strcpy(ifr.ifr_name, ifname);
	CHECK(!ioctl(s, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	CHECK(!ioctl(s, SIOCSIFFLAGS, &ifr));
	close(s);
}

static void test_net_tap(void)
{
	struct virtio_device *dev;
	struct virtio_mmio *t;
	uint8_t frame[FRAME_LEN], got[2048], mac[6];
	uint16_t *txavail;
	int fd, ifindex, i;
	ssize_t n;

	REQUIRE(!access("/dev/net/tun", R_OK | W_OK), "no /dev/net/tun");
	mem_setup();
	if (virtio_net_create(TEST_TAP, &dev))
		test_skip("cannot create tap %s (needs CAP_NET_ADMIN)", TEST_TAP);
	t = virtio_mmio_create(&vm, dev, &irq);
	ifindex = if_nametoindex(TEST_TAP);
	CHECK(ifindex > 0);
	bring_up(TEST_TAP);
	fd = packet_socket(ifindex);

	driver_setup(t, VIRTIO_ID_NET);
	virtio_mmio_access(t, VIRTIO_MMIO_CONFIG, mac, 6, false);
	CHECK_EQ(mac[0] & 3, 2);	/* locally administered unicast */
	mmio_write(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, TXQ_DESC_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, TXQ_AVAIL_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, TXQ_USED_GPA);
	mmio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);

	/* Transmit: header + frame on queue 1 comes out of the tap. */
	memset(hva(DATA_GPA), 0, NET_HDR_SIZE);
	build_frame(hva(DATA_GPA + NET_HDR_SIZE), 0x11);
	((struct desc *)hva(TXQ_DESC_GPA))[0] =
		(struct desc){ .addr = DATA_GPA, .len = NET_HDR_SIZE + FRAME_LEN };
	txavail = hva(TXQ_AVAIL_GPA);
	txavail[2] = 0;
	txavail[1] = 1;
	mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	CHECK_EQ(((uint16_t *)hva(TXQ_USED_GPA))[1], 1);
	for (i = 0; i < 50; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		CHECK(poll(&p, 1, 2000) == 1, "no frame on %s", TEST_TAP);
		n = recv(fd, got, sizeof(got), 0);
		if (n >= FRAME_LEN && got[14] == 0x11)
			break;
	}
	build_frame(frame, 0x11);
	CHECK(!memcmp(got, frame, FRAME_LEN));

	/* Receive: a frame sent into the tap lands in the posted buffer. */
	pulses = 0;
	set_desc(RXQ_DESC, RX_BUF_GPA, 2048, VIRTQ_DESC_F_WRITE, 0);
	post(RXQ_DESC);
	mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	build_frame(frame, 0x22);
	CHECK_EQ(send(fd, frame, FRAME_LEN, 0), FRAME_LEN);
	for (i = 0; i < 300 && used_idx() == 0; i++)
		usleep(10000);
	CHECK_EQ(used_idx(), 1);
	CHECK_EQ(used_len(0), NET_HDR_SIZE + FRAME_LEN);
	CHECK(!memcmp((uint8_t *)hva(RX_BUF_GPA) + NET_HDR_SIZE, frame, FRAME_LEN));
	CHECK(pulses >= 1);
	close(fd);
	virtio_mmio_destroy(t);
	CHECK_EQ(if_nametoindex(TEST_TAP), 0);	/* non-persistent: gone */
}

static const struct test_case cases[] = {
	TEST_CASE(test_pop_push_chain),
	TEST_CASE(test_malformed_rings),
	TEST_CASE(test_blk_read_write),
	TEST_CASE(test_blk_readonly),
	TEST_CASE(test_reset_clears_queues),
	TEST_CASE(test_rng),
	TEST_CASE(test_unaligned_register_access),
	TEST_CASE(test_net_tap),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
