/*
 * p11key.c - a key inside a PKCS#11 token, used through wolfCrypt's
 * PKCS#11 device (wc_Pkcs11_*, wc_CryptoCb_RegisterDevice). The token is
 * looked up here by its label (wolfSSL 5.5.4's own lookup by name is not
 * relied on), the session is opened and logged in once and kept, so
 * wolfCrypt's device callback signs in it; the private key object is found
 * here too, to say clearly when it is missing, ambiguous or of a type we
 * cannot use, and to learn its id and size for wolfSSL.
 */
#include "p11key.h"
#include "errbuf.h"
#include "p11uri.h"
#include "secret.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_PKCS11
#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/wc_pkcs11.h>

#define DEV_ID_BASE 0x4d540000 /* "MT": clear of wolfSSL's own ids */
#define MAX_SLOTS 64
#define EC_POINT_MAX 133       /* 04 || X || Y of P-521, the largest */

struct p11key {
	Pkcs11Dev dev;
	Pkcs11Token token;
	bool dev_up, token_up, registered;
	int dev_id;
	enum p11key_type type;
	size_t size;
	uint8_t id[P11URI_ID_MAX];
	size_t id_len;
	char label[P11URI_TEXT_MAX + 1];
	uint8_t point[EC_POINT_MAX];
	size_t point_len;
	char pin[SECRET_MAX + 1]; /* the token keeps a pointer to it */
	char name[P11URI_MAX + 1];
};

bool p11key_supported(void)
{
	return true;
}

/* A token label as the token gives it: 32 bytes, padded with spaces. */
static bool label_is(const CK_UTF8CHAR label[32], const char *want)
{
	size_t n = strlen(want);

	if (n > 32 || memcmp(label, want, n) != 0)
		return false;
	for (size_t i = n; i < 32; i++)
		if (label[i] != ' ')
			return false;
	return true;
}

/* The slot whose token the URI names (token=, slot-id=), or the only one. */
static bool find_slot(struct p11key *k, const struct p11uri *u, CK_SLOT_ID *slot, char *err,
		      size_t errlen)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS;
	CK_TOKEN_INFO ti;
	int found = 0;

	if (k->dev.func->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) {
		errbuf_set(err, errlen, "the PKCS#11 module cannot list its slots");
		return false;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if (u->has_slot_id && slots[i] != u->slot_id)
			continue;
		if (k->dev.func->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (u->token[0] != '\0' && !label_is(ti.label, u->token))
			continue;
		*slot = slots[i];
		found++;
	}
	if (found == 1)
		return true;
	if (found == 0)
		errbuf_set(err, errlen, "no token%s%s%s in the PKCS#11 module (%lu with a token)",
			   u->token[0] != '\0' ? " labelled '" : "", u->token,
			   u->token[0] != '\0' ? "'" : "", (unsigned long)n);
	else
		errbuf_set(err, errlen, "%d tokens match: name one with token=LABEL or slot-id=N",
			   found);
	return false;
}

/* The PIN: pin-value, pin-source, else asked, else none (""). */
static bool get_pin(struct p11key *k, const struct p11uri *u, const char *token, char *err,
		    size_t errlen)
{
	char why[512], prompt[96];

	if (u->pin_value[0] != '\0') {
		snprintf(k->pin, sizeof(k->pin), "%s", u->pin_value);
		return true;
	}
	if (u->pin_source[0] != '\0') {
		if (secret_read_file(u->pin_source, k->pin, sizeof(k->pin), why, sizeof(why)) == 0)
			return true;
		errbuf_set(err, errlen, "cannot read the PIN (pin-source): %s", why);
		return false;
	}
	if (secret_source_now() == SECRET_NONE)
		return true; /* no login: public objects only */
	snprintf(prompt, sizeof(prompt), "PIN for token '%.32s': ", token);
	if (secret_ask(prompt, k->pin, sizeof(k->pin), why, sizeof(why)) == 0)
		return true;
	errbuf_set(err, errlen, "no PIN for the token: %s", why);
	return false;
}

/* Finds the one object of class cls the URI names; CK_INVALID_HANDLE if
 * there is none, *count says how many matched. */
static CK_OBJECT_HANDLE find_object(struct p11key *k, struct p11uri *u, CK_ULONG cls,
				    int *count)
{
	CK_FUNCTION_LIST *f = k->dev.func;
	CK_SESSION_HANDLE s = k->token.handle;
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE h[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	CK_ULONG n = 0, got = 0;

	t[n++] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
	if (u->id_len > 0)
		t[n++] = (CK_ATTRIBUTE){CKA_ID, u->id, u->id_len};
	if (u->object[0] != '\0')
		t[n++] = (CK_ATTRIBUTE){CKA_LABEL, u->object, strlen(u->object)};
	*count = 0;
	if (f->C_FindObjectsInit(s, t, n) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(s, h, 2, &got) != CKR_OK)
		got = 0;
	(void)f->C_FindObjectsFinal(s);
	*count = (int)got;
	return got == 1 ? h[0] : CK_INVALID_HANDLE;
}

/* One attribute's value into buf; its length, or -1. */
static long attr(struct p11key *k, CK_OBJECT_HANDLE o, CK_ULONG type, void *buf, size_t cap)
{
	CK_ATTRIBUTE a = {type, buf, cap};

	if (k->dev.func->C_GetAttributeValue(k->token.handle, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1)
		return -1;
	return (long)a.ulValueLen;
}

static bool read_key(struct p11key *k, struct p11uri *u, char *err, size_t errlen)
{
	static const uint8_t p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_OBJECT_HANDLE priv, pub;
	CK_ULONG ktype = 0;
	uint8_t buf[600];
	long n;
	int count;

	priv = find_object(k, u, CKO_PRIVATE_KEY, &count);
	if (priv == CK_INVALID_HANDLE) {
		errbuf_set(err, errlen,
			   count == 0 ? "the token holds no such private key (or the PIN is missing)"
				      : "several private keys match: add id= or object=");
		return false;
	}
	if (attr(k, priv, CKA_KEY_TYPE, &ktype, sizeof(ktype)) < 0 ||
	    (ktype != CKK_EC && ktype != CKK_RSA)) {
		errbuf_set(err, errlen, "it is neither an EC nor an RSA key");
		return false;
	}
	n = attr(k, priv, CKA_ID, k->id, sizeof(k->id));
	k->id_len = n > 0 ? (size_t)n : 0;
	snprintf(k->label, sizeof(k->label), "%s", u->object);
	pub = find_object(k, u, CKO_PUBLIC_KEY, &count);
	if (ktype == CKK_RSA) {
		k->type = P11KEY_RSA;
		n = attr(k, priv, CKA_MODULUS, buf, sizeof(buf));
		if (n <= 0 && pub != CK_INVALID_HANDLE)
			n = attr(k, pub, CKA_MODULUS, buf, sizeof(buf));
		k->size = n > 0 ? (size_t)n : 256;
		/* wolfSSL 5.5.4 signs RSA-PSS wrongly through PKCS#11 for
		 * longer moduli ("PSS - Length of salt is too big"). */
		if (k->size != 256) {
			errbuf_set(err, errlen,
				   "it is a %zu-bit RSA key; in a token only RSA-2048 and EC "
				   "P-256 keys work",
				   k->size * 8);
			return false;
		}
		return true;
	}
	k->type = P11KEY_EC_P256;
	k->size = 32;
	n = attr(k, priv, CKA_EC_PARAMS, buf, sizeof(buf));
	if (n < 0 && pub != CK_INVALID_HANDLE)
		n = attr(k, pub, CKA_EC_PARAMS, buf, sizeof(buf));
	if (n >= 0 && (n != (long)sizeof(p256_oid) || memcmp(buf, p256_oid, sizeof(p256_oid)) != 0)) {
		errbuf_set(err, errlen, "it is an EC key on a curve other than P-256");
		return false;
	}
	/* CKA_EC_POINT: a DER OCTET STRING holding 04 || X || Y. */
	if (pub != CK_INVALID_HANDLE && (n = attr(k, pub, CKA_EC_POINT, buf, sizeof(buf))) == 67 &&
	    buf[0] == 0x04 && buf[1] == 65 && buf[2] == 0x04) {
		memcpy(k->point, buf + 2, 65);
		k->point_len = 65;
	}
	return true;
}

/* dlopen first, for the loader's own words if the module is missing. */
static bool module_loads(const char *module, char *err, size_t errlen)
{
	void *h = dlopen(module, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		const char *why = dlerror();

		errbuf_set(err, errlen, "cannot load the PKCS#11 module %s: %s%s", module,
			   why != NULL ? why : "not found",
			   strcmp(module, P11KEY_DEFAULT_MODULE) == 0
			       ? " (install p11-kit-modules, or set pkcs11_module)"
			       : "");
		return false;
	}
	dlclose(h);
	return true;
}

struct p11key *p11key_open(const char *uri, const char *module, char *err, size_t errlen)
{
	static int next_dev_id;
	struct p11key *k;
	struct p11uri u;
	CK_SLOT_ID slot = 0;
	char why[256];
	int rc;

	if (!p11uri_parse(uri, &u, why, sizeof(why))) {
		errbuf_set(err, errlen, "bad PKCS#11 URI: %s", why);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		p11uri_wipe(&u);
		errbuf_set(err, errlen, "out of memory");
		return NULL;
	}
	if (p11uri_format(&u, k->name, sizeof(k->name)) == 0)
		snprintf(k->name, sizeof(k->name), "pkcs11:...");
	if (u.module_path[0] != '\0')
		module = u.module_path;
	else if (module == NULL || module[0] == '\0')
		module = P11KEY_DEFAULT_MODULE;
	if (wolfCrypt_Init() != 0) {
		errbuf_set(err, errlen, "cannot initialise wolfCrypt");
		goto fail;
	}
	if (!module_loads(module, err, errlen))
		goto fail_crypt;
	if (wc_Pkcs11_Initialize(&k->dev, module, NULL) != 0) {
		errbuf_set(err, errlen, "the PKCS#11 module %s does not initialise", module);
		goto fail_crypt;
	}
	k->dev_up = true;
	if (!find_slot(k, &u, &slot, err, errlen) || !get_pin(k, &u, u.token, err, errlen))
		goto fail_crypt;
	rc = wc_Pkcs11Token_Init(&k->token, &k->dev, (int)slot, NULL,
				 k->pin[0] != '\0' ? (const unsigned char *)k->pin : NULL,
				 (int)strlen(k->pin));
	if (rc == 0) {
		k->token_up = true;
		rc = wc_Pkcs11Token_Open(&k->token, 0);
	}
	if (rc != 0) {
		errbuf_set(err, errlen,
			   k->pin[0] != '\0' ? "cannot log in to token '%s': wrong PIN?"
					     : "cannot open a session on token '%s'",
			   u.token[0] != '\0' ? u.token : "(the only one)");
		goto fail_crypt;
	}
	if (!read_key(k, &u, err, errlen))
		goto fail_crypt;
	k->dev_id = DEV_ID_BASE + next_dev_id++;
	if (wc_CryptoCb_RegisterDevice(k->dev_id, wc_Pkcs11_CryptoDevCb, &k->token) != 0) {
		errbuf_set(err, errlen, "cannot register the PKCS#11 device with wolfCrypt");
		goto fail_crypt;
	}
	k->registered = true;
	p11uri_wipe(&u);
	return k;
fail_crypt:
	p11key_close(k);
	p11uri_wipe(&u);
	return NULL;
fail:
	p11uri_wipe(&u);
	free(k);
	return NULL;
}

void p11key_close(struct p11key *k)
{
	if (k == NULL)
		return;
	if (k->registered)
		wc_CryptoCb_UnRegisterDevice(k->dev_id);
	if (k->token_up)
		wc_Pkcs11Token_Final(&k->token);
	if (k->dev_up)
		wc_Pkcs11_Finalize(&k->dev);
	(void)wolfCrypt_Cleanup();
	secret_wipe(k, sizeof(*k));
	free(k);
}

int p11key_dev_id(const struct p11key *k)
{
	return k->dev_id;
}

enum p11key_type p11key_type(const struct p11key *k)
{
	return k->type;
}

size_t p11key_size(const struct p11key *k)
{
	return k->size;
}

const uint8_t *p11key_id(const struct p11key *k, size_t *len)
{
	*len = k->id_len;
	return k->id;
}

const char *p11key_label(const struct p11key *k)
{
	return k->label;
}

size_t p11key_ec_point(const struct p11key *k, const uint8_t **point)
{
	*point = k->point;
	return k->point_len;
}

const char *p11key_name(const struct p11key *k)
{
	return k->name;
}

#else /* !HAVE_PKCS11: this wolfSSL cannot use tokens; say so. */

bool p11key_supported(void)
{
	return false;
}

struct p11key *p11key_open(const char *uri, const char *module, char *err, size_t errlen)
{
	(void)uri;
	(void)module;
	errbuf_set(err, errlen, "this build's wolfSSL has no PKCS#11 support (configure it with "
				"--enable-pkcs11), so a pkcs11: key cannot be used");
	return NULL;
}

void p11key_close(struct p11key *k)
{
	(void)k;
}

int p11key_dev_id(const struct p11key *k)
{
	(void)k;
	return -2;
}

enum p11key_type p11key_type(const struct p11key *k)
{
	(void)k;
	return P11KEY_EC_P256;
}

size_t p11key_size(const struct p11key *k)
{
	(void)k;
	return 0;
}

const uint8_t *p11key_id(const struct p11key *k, size_t *len)
{
	(void)k;
	*len = 0;
	return NULL;
}

const char *p11key_label(const struct p11key *k)
{
	(void)k;
	return "";
}

size_t p11key_ec_point(const struct p11key *k, const uint8_t **point)
{
	(void)k;
	*point = NULL;
	return 0;
}

const char *p11key_name(const struct p11key *k)
{
	(void)k;
	return "";
}

#endif
