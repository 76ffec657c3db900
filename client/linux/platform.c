/*
 * platform.c - the parts of client/platform.h that are one system call or
 * one dispatch on Linux: the TUN device, the privilege drop, the status
 * socket's caller (SO_PEERCRED, SO_PEERGROUPS) and which Linux file undoes
 * a journal record.
 */
#include "client.h"

#include <errno.h>
#include <linux/capability.h>
#include <unistd.h>
#include <sys/socket.h>

#include "privdrop.h"
#include "tun.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* Supplementary groups of a caller we look at; Linux allows 65536, a
 * person rarely has more than a few dozen. */
#define PEER_MAX_GROUPS 1024

int platform_tun_open(const char *want, bool offload, char name[static IFNAMSIZ])
{
	int fd = tun_open(want, offload ? TUN_OFFLOAD : 0, name, NULL);

	/* Super-packets only once the gateway has agreed to take them. */
	if (fd >= 0 && offload && tun_set_offload(fd, false) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * The client stays uid 0, because putting /etc/resolv.conf back and
 * resolved's RevertLink at exit need root's own files and D-Bus identity,
 * but keeps only CAP_NET_ADMIN (addresses, routes, nftables, resolved's
 * SetLinkDNS and the others, which resolved grants to uid 0 or that
 * capability), in the bounding set too, with NO_NEW_PRIVS.
 */
int platform_confine(char *why, size_t cap)
{
	return privdrop_apply(NULL, PRIVDROP_CAP(CAP_NET_ADMIN), why, cap);
}

bool platform_peer_allowed(int fd, bool have_gid, gid_t gid, unsigned long *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[PEER_MAX_GROUPS];

	*uid = (unsigned long)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr))
		return false;
	*uid = cr.uid;
	if (cr.uid == 0)
		return true;
	if (!have_gid)
		return false;
	if (cr.gid == gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

int platform_undo_record(const struct journal_rec *r)
{
	switch (r->kind) {
	case JOURNAL_ADDR:
	case JOURNAL_ROUTE:
	case JOURNAL_UNREACH:
		return netcfg_undo_record(r);
	case JOURNAL_RESOLVED:
	case JOURNAL_RESOLV_FILE:
		return dns_undo_record(r);
	case JOURNAL_NFT_TABLE:
		return killswitch_undo_record(r);
	default:
		return 0;
	}
}
