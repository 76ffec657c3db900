/*
 * p11key.h - a private key that never leaves its PKCS#11 token: the module
 * loaded through wolfCrypt's PKCS#11 support, the token found by its label
 * (or slot-id), a session logged in with the PIN, the key object found by
 * id or label, and a wolfCrypt device registered so that every signature
 * with that key is made inside the token. Holds no key bytes; the PIN is
 * wiped on close. Does not log: failures fill an error buffer.
 */
#ifndef MTLSVPN_P11KEY_H
#define MTLSVPN_P11KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P11KEY_DEFAULT_MODULE "p11-kit-proxy.so"

struct p11key;

enum p11key_type {
	P11KEY_EC_P256, /* the one EC curve supported */
	P11KEY_RSA,
};

/* True if this wolfSSL build has PKCS#11 support (HAVE_PKCS11). */
bool p11key_supported(void);

/* Opens the key a pkcs11: URI names (see p11uri.h). module is the
 * PKCS#11 library (a path, or a name the dynamic loader finds; NULL or ""
 * means P11KEY_DEFAULT_MODULE), unless the URI has module-path. The PIN
 * comes from the URI (pin-value, pin-source), else it is asked (the
 * terminal, systemd-ask-password: base/secret.h), else no login is made.
 * NULL with err naming what failed: the module, the token, the PIN, the
 * key, its type. */
struct p11key *p11key_open(const char *uri, const char *module, char *err, size_t errlen);
void p11key_close(struct p11key *k); /* logs out, unloads; NULL is fine */

int p11key_dev_id(const struct p11key *k);  /* the wolfCrypt device (devId) */
enum p11key_type p11key_type(const struct p11key *k);
size_t p11key_size(const struct p11key *k); /* bytes: 32 for P-256, the RSA modulus */
/* The key object's CKA_ID (len 0 if it has none: use the label). */
const uint8_t *p11key_id(const struct p11key *k, size_t *len);
const char *p11key_label(const struct p11key *k); /* CKA_LABEL as the URI gave it */
/* The public EC point (X9.63, 04 || X || Y) from the token's public key
 * object; 0 if the token holds no public key object for it. */
size_t p11key_ec_point(const struct p11key *k, const uint8_t **point);
/* The URI without its PIN, for messages. */
const char *p11key_name(const struct p11key *k);

#endif
