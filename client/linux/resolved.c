/*
 * resolved.c - systemd-resolved's D-Bus API (org.freedesktop.resolve1), the
 * only sd-bus user: is resolved on the system bus, set a link's servers,
 * domains and default-route flag from a plan (dnsplan.c), revert a link.
 * Each call opens the system bus, waits a bounded time and closes it: this
 * runs at set-up and exit, never on the data path. resolved lets uid 0 or
 * CAP_NET_ADMIN make these calls, and the client keeps both after set-up.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "log.h"

#define RESOLVED_NAME "org.freedesktop.resolve1"
#define RESOLVED_PATH "/org/freedesktop/resolve1"
#define RESOLVED_IFACE "org.freedesktop.resolve1.Manager"
#define RESOLVED_TIMEOUT_US (5 * 1000 * 1000ULL)

static sd_bus *bus_open(void)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return bus;
}

/* Sends m if built (its arguments all appended) and waits for the reply,
 * bounded; m is freed either way. 0, or -1 logged with resolved's own
 * error text. */
static int call(sd_bus *bus, sd_bus_message *m, bool built, const char *ifname)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	const char *name = m != NULL ? sd_bus_message_get_member(m) : NULL;
	char member[64]; /* a copy: sealing m for the call moves the buffer name points into */
	int r = -ENOMEM;

	snprintf(member, sizeof(member), "%s", name != NULL ? name : "a call");
	if (m != NULL && built)
		r = sd_bus_call(bus, m, RESOLVED_TIMEOUT_US, &err, NULL);
	if (r < 0)
		log_warnx("systemd-resolved %s for %s: %s", member, ifname,
			  err.message != NULL ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(m);
	return r < 0 ? -1 : 0;
}

/* A method call to resolved's manager for link ifindex, the rest of its
 * arguments appended by the caller; NULL if it cannot be built. */
static sd_bus_message *method(sd_bus *bus, const char *member, int ifindex)
{
	sd_bus_message *m = NULL;

	if (sd_bus_message_new_method_call(bus, &m, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_IFACE,
					   member) < 0 ||
	    sd_bus_message_append(m, "i", ifindex) < 0) {
		sd_bus_message_unref(m);
		return NULL;
	}
	return m;
}

bool resolved_present(void)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = bus_open();
	int has = 0;

	if (bus == NULL)
		return false;
	if (sd_bus_message_new_method_call(bus, &m, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					   "org.freedesktop.DBus", "NameHasOwner") >= 0 &&
	    sd_bus_message_append(m, "s", RESOLVED_NAME) >= 0 &&
	    sd_bus_call(bus, m, RESOLVED_TIMEOUT_US, &err, &reply) >= 0 &&
	    sd_bus_message_read(reply, "b", &has) < 0)
		has = 0;
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return has != 0;
}

static int append_servers(sd_bus_message *m, const struct dnsplan *p)
{
	if (sd_bus_message_open_container(m, 'a', "(iay)") < 0)
		return -1;
	for (unsigned i = 0; i < p->n_servers; i++) {
		const struct ipaddr *a = &p->servers[i];

		if (sd_bus_message_open_container(m, 'r', "iay") < 0 ||
		    sd_bus_message_append(m, "i", a->family) < 0 ||
		    sd_bus_message_append_array(m, 'y', a->bytes, a->family == AF_INET ? 4 : 16) <
			0 ||
		    sd_bus_message_close_container(m) < 0)
			return -1;
	}
	return sd_bus_message_close_container(m) < 0 ? -1 : 0;
}

static int append_domains(sd_bus_message *m, const struct dnsplan *p)
{
	if (sd_bus_message_open_container(m, 'a', "(sb)") < 0)
		return -1;
	for (unsigned i = 0; i < p->n_domains; i++)
		if (sd_bus_message_append(m, "(sb)", p->domains[i].name,
					  (int)p->domains[i].routing_only) < 0)
			return -1;
	return sd_bus_message_close_container(m) < 0 ? -1 : 0;
}

int resolved_set_link(const char *ifname, const struct dnsplan *p)
{
	int ifindex = (int)if_nametoindex(ifname);
	sd_bus_message *m;
	sd_bus *bus;
	int rc;

	if (ifindex == 0) {
		log_warn("%s", ifname);
		return -1;
	}
	bus = bus_open();
	if (bus == NULL) {
		log_warn("cannot connect to the system bus");
		return -1;
	}
	m = method(bus, "SetLinkDNS", ifindex);
	rc = call(bus, m, m != NULL && append_servers(m, p) == 0, ifname);
	if (rc == 0) {
		m = method(bus, "SetLinkDomains", ifindex);
		rc = call(bus, m, m != NULL && append_domains(m, p) == 0, ifname);
	}
	if (rc == 0) {
		m = method(bus, "SetLinkDefaultRoute", ifindex);
		rc = call(bus, m,
			  m != NULL && sd_bus_message_append(m, "b", (int)p->default_route) >= 0,
			  ifname);
	}
	sd_bus_flush_close_unref(bus);
	return rc;
}

int resolved_revert_link(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);
	sd_bus_message *m;
	sd_bus *bus;
	int rc;

	/* A link that is gone took its DNS settings with it. */
	if (ifindex == 0)
		return 0;
	bus = bus_open();
	if (bus == NULL) {
		log_warn("cannot connect to the system bus to revert %s", ifname);
		return -1;
	}
	m = method(bus, "RevertLink", ifindex);
	rc = call(bus, m, m != NULL, ifname);
	sd_bus_flush_close_unref(bus);
	return rc;
}
