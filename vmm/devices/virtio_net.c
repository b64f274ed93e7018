// SPDX-License-Identifier: GPL-2.0
/* virtio-net device (virtio 1.x "Network Device") over tap. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"
#include "virtio_net.h"

#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_S_LINK_UP	1
#define VIRTIO_NET_HDR_SIZE	12	/* with VERSION_1: includes num_buffers */
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_POLL_MS		100
#define TUN_PATH		"/dev/net/tun"

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
} __attribute__((packed));

struct virtio_net {
	struct virtio_device vdev;	/* first: cast from virtio_device */
	int tap_fd;
	char ifname[IFNAMSIZ];
	struct virtio_net_config config;
	/* Receive thread: started at DRIVER_OK, stopped by destroy. */
	pthread_t rx_thread;
	bool rx_started;
	bool rx_stop;			/* under the transport lock */
	pthread_cond_t rx_wake;		/* RX buffers posted, or stop */
};

static struct virtio_net *to_net(struct virtio_device *vdev)
{
	return (struct virtio_net *)vdev;
}

static void net_tx(struct virtio_net *net)
{
	struct virtio_mmio *t = net->vdev.transport;
	struct virtqueue *vq = &t->vqs[NET_TXQ];
	struct virtq_elem *e = malloc(sizeof(*e));
	bool done = false;

	if (!e)
		return;
	while (virtq_pop(vq, t->mem, e) > 0) {
		/* A failed write is a dropped packet, as on a real wire. */
		if (writev(net->tap_fd, e->out, e->nr_out) < 0)
			vmm_debug("virtio-net: tap write: %s", strerror(errno));
		virtq_push(vq, t->mem, e->head, 0);
		done = true;
	}
	free(e);
	if (done)
		virtio_mmio_signal(t);
}

static void net_notify(struct virtio_device *vdev, int q)
{
	struct virtio_net *net = to_net(vdev);

	if (q == NET_TXQ)
		net_tx(net);
	else
		pthread_cond_broadcast(&net->rx_wake);
}

/* Receive one packet into one buffer chain; called with the lock held. */
static bool net_rx_one(struct virtio_net *net, struct virtq_elem *e)
{
	struct virtio_mmio *t = net->vdev.transport;
	struct virtqueue *vq = &t->vqs[NET_RXQ];
	ssize_t n;

	if (virtq_pop(vq, t->mem, e) <= 0)
		return false;
	n = readv(net->tap_fd, e->in, e->nr_in);
	if (n < 0) {
		/* Nothing after all (EAGAIN): give the buffer back unused. */
		vq->last_avail--;
		return false;
	}
	virtq_push(vq, t->mem, e->head, n);
	virtio_mmio_signal(t);
	return true;
}

static void *net_rx_thread(void *arg)
{
	struct virtio_net *net = arg;
	struct virtio_mmio *t = net->vdev.transport;
	struct virtq_elem *e = malloc(sizeof(*e));
	struct pollfd pfd = { .fd = net->tap_fd, .events = POLLIN };

	if (!e)
		return NULL;
	pthread_mutex_lock(&t->lock);
	while (!net->rx_stop) {
		pthread_mutex_unlock(&t->lock);
		poll(&pfd, 1, NET_POLL_MS);
		pthread_mutex_lock(&t->lock);
		if (net->rx_stop || !(pfd.revents & POLLIN))
			continue;
		while (!net->rx_stop && !net_rx_one(net, e)) {
			/* No buffer (or nothing to read): wait for the guest. */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += NET_POLL_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&net->rx_wake, &t->lock, &ts);
			if (poll(&pfd, 1, 0) <= 0)
				break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	free(e);
	return NULL;
}

static void net_start(struct virtio_device *vdev)
{
	struct virtio_net *net = to_net(vdev);
	sigset_t set, old;

	if (net->rx_started)
		return;
	sigfillset(&set);
	sigdelset(&set, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (!pthread_create(&net->rx_thread, NULL, net_rx_thread, net))
		net->rx_started = true;
	else
		vmm_error("virtio-net: cannot start the receive thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void net_read_config(struct virtio_device *vdev, uint32_t offset, uint8_t *data,
			    uint32_t len)
{
	struct virtio_net *net = to_net(vdev);

	memset(data, 0, len);
	if (offset < sizeof(net->config))
		memcpy(data, (uint8_t *)&net->config + offset,
		       MIN(len, sizeof(net->config) - offset));
}

static void net_destroy(struct virtio_device *vdev)
{
	struct virtio_net *net = to_net(vdev);
	struct virtio_mmio *t = vdev->transport;

	if (net->rx_started) {
		pthread_mutex_lock(&t->lock);
		net->rx_stop = true;
		pthread_cond_broadcast(&net->rx_wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(net->rx_thread, NULL);
	}
	close(net->tap_fd);
	free(net);
}

static const struct virtio_device_ops net_ops = {
	.notify = net_notify,
	.read_config = net_read_config,
	.start = net_start,
	.destroy = net_destroy,
};

static int tap_open(const char *name, char *ifname)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr_size = VIRTIO_NET_HDR_SIZE;
	int fd, err;

	if (strlen(name) >= IFNAMSIZ) {
		vmm_error("--net tap=%s: interface name too long", name);
		return -EINVAL;
	}
	fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return vmm_error_errno(errno, "--net tap=%s: %s", name, TUN_PATH);
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) {
		err = errno;
		close(fd);
		return vmm_error_errno(err, "--net tap=%s: TUNSETIFF", name);
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

int virtio_net_create(const char *tap_name, struct virtio_device **out)
{
	struct virtio_net *net = calloc(1, sizeof(*net));
	int fd;

	if (!net)
		return vmm_error_errno(ENOMEM, "--net");
	fd = tap_open(tap_name, net->ifname);
	if (fd < 0) {
		free(net);
		return fd;
	}
	net->tap_fd = fd;
	pthread_cond_init(&net->rx_wake, NULL);
	/* A random locally administered unicast MAC. */
	if (getrandom(net->config.mac, sizeof(net->config.mac), 0) < 0)
		memset(net->config.mac, 0x5a, sizeof(net->config.mac));
	net->config.mac[0] = (net->config.mac[0] & 0xfe) | 0x02;
	net->config.status = VIRTIO_NET_S_LINK_UP;
	net->vdev.ops = &net_ops;
	net->vdev.name = "virtio-net";
	net->vdev.device_id = VIRTIO_ID_NET;
	net->vdev.nr_queues = 2;
	net->vdev.features = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	*out = &net->vdev;
	return 0;
}
