/*
 * privdrop.h - giving up what a program no longer needs once it is set up:
 * root for another user, every capability but the few it names (also from
 * the bounding set), and new privileges through execve (NO_NEW_PRIVS).
 * Raw prctl/capset, no libcap. Pure: the reason goes into why, never a log.
 */
#ifndef MTLSVPN_PRIVDROP_H
#define MTLSVPN_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A capability as a bit of a keep mask: PRIVDROP_CAP(CAP_NET_ADMIN). */
#define PRIVDROP_CAP(c) (UINT64_C(1) << (c))

struct privdrop_user {
	char name[64];
	uid_t uid;
	gid_t gid; /* the primary group */
};

/* 0 with *u filled from the user database, or -1 with why. */
int privdrop_user_lookup(const char *name, struct privdrop_user *u, char *why, size_t cap);

/* A group and the uids of the users its entry lists (at most max; *n
 * says how many): 0, or -1 with why if there is no such group. */
int privdrop_group_lookup(const char *name, gid_t *gid, uid_t *members, unsigned max,
			  unsigned *n, char *why, size_t cap);

/*
 * Becomes u (NULL: keeps the uid and gid it has) with u's groups, keeping
 * only the capabilities in keep in the permitted and effective sets (the
 * inheritable and ambient sets end empty), drops every other capability from
 * the bounding set where it may (it needs CAP_SETPCAP: a process started
 * without it keeps the bounding set it was given), and sets NO_NEW_PRIVS.
 * 0, or -1 with why; on -1 the process is half-way and must exit.
 */
int privdrop_apply(const struct privdrop_user *u, uint64_t keep, char *why, size_t cap);

#endif
