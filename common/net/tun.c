/*
 * tun.c - open a TUN device through /dev/net/tun. The descriptor is
 * non-blocking and close-on-exec from the start, and carries bare IP
 * packets (IFF_NO_PI): one read() is one packet.
 */
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tun_open(const char *name, bool multi_queue, char out_name[static IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, e;

	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
		errno = EINVAL;
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (multi_queue)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
	out_name[IFNAMSIZ - 1] = '\0';
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
