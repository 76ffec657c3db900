/*
 * tun.c - open a TUN device through /dev/net/tun. The descriptor is
 * non-blocking and close-on-exec from the start, and carries bare IP
 * packets (IFF_NO_PI): one read() is one packet, behind a virtio_net_hdr
 * when offloads were asked for.
 */
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Newer than some kernel headers (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* The offloads we can carry, best first; an older kernel refuses the
 * UDP ones with EINVAL. */
static unsigned enable_offloads(int fd)
{
	unsigned long tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (ioctl(fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0)
		return TUN_OFFLOAD_CSUM | TUN_OFFLOAD_TSO | TUN_OFFLOAD_USO;
	if (ioctl(fd, TUNSETOFFLOAD, tcp) == 0)
		return TUN_OFFLOAD_CSUM | TUN_OFFLOAD_TSO;
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_F_CSUM) == 0)
		return TUN_OFFLOAD_CSUM;
	return 0;
}

int tun_set_offload(int fd, bool on)
{
	if (on)
		return (int)enable_offloads(fd);
	return ioctl(fd, TUNSETOFFLOAD, 0UL) < 0 ? -1 : 0;
}

int tun_open(const char *name, unsigned flags, char out_name[static IFNAMSIZ],
	     unsigned *offloads)
{
	struct ifreq ifr;
	int fd, e;

	if (offloads != NULL)
		*offloads = 0;
	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
		errno = EINVAL;
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & TUN_MULTI_QUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (flags & TUN_OFFLOAD)
		ifr.ifr_flags |= IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if (flags & TUN_OFFLOAD) {
		int sz = 10; /* struct virtio_net_hdr, without num_buffers */

		if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
			goto fail;
		unsigned got = enable_offloads(fd);

		if (offloads != NULL)
			*offloads = got;
	}
	memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
	out_name[IFNAMSIZ - 1] = '\0';
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
