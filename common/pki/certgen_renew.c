/*
 * certgen_renew.c - a new request shaped like an existing certificate: the
 * same subject CN and OU and the same DNS and e-mail alternative names
 * (IP names too where this wolfSSL build parses them), for "ca renew".
 * Pure, like the rest of certgen.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "certgen.h"
#include "certgen_int.h"

static void copy_str(char *out, size_t cap, const char *s, int len)
{
	size_t n = len < 0 ? 0 : (size_t)len;

	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

int certgen_req_from_cert(const struct certgen_cert *cert, enum certgen_kind kind,
			  struct certgen_req_copy *out, char *err, size_t errlen)
{
	DecodedCert dc;
	int rc;

	memset(out, 0, sizeof(*out));
	wc_InitDecodedCert(&dc, cert->der, (word32)cert->der_len, NULL);
	rc = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL);
	if (rc != 0 || dc.subjectCN == NULL || dc.subjectCNLen <= 0) {
		errbuf_set(err, errlen, "cannot read the old certificate's subject: %s",
			       certgen_wc_err(rc));
		wc_FreeDecodedCert(&dc);
		return -1;
	}
	copy_str(out->cn, sizeof(out->cn), dc.subjectCN, dc.subjectCNLen);
	out->req.cn = out->cn;
	if (dc.subjectOU != NULL && dc.subjectOULen > 0) {
		copy_str(out->ou, sizeof(out->ou), dc.subjectOU, dc.subjectOULen);
		out->req.ou = out->ou;
	}
	for (DNS_entry *e = dc.altNames; e != NULL; e = e->next) {
		if (e->type == ASN_DNS_TYPE && out->req.n_dns < CERTGEN_MAX_SANS) {
			copy_str(out->dns[out->req.n_dns], sizeof(out->dns[0]), e->name, e->len);
			out->req.dns[out->req.n_dns] = out->dns[out->req.n_dns];
			out->req.n_dns++;
		} else if (e->type == ASN_RFC822_TYPE && out->req.n_email < CERTGEN_MAX_SANS) {
			copy_str(out->email[out->req.n_email], sizeof(out->email[0]), e->name,
				 e->len);
			out->req.email[out->req.n_email] = out->email[out->req.n_email];
			out->req.n_email++;
		} else if (e->type == ASN_IP_TYPE && out->req.n_ip < CERTGEN_MAX_SANS &&
			   (e->len == 4 || e->len == 16)) {
			inet_ntop(e->len == 4 ? AF_INET : AF_INET6, e->name, out->ip[out->req.n_ip],
				  sizeof(out->ip[0]));
			out->req.ip[out->req.n_ip] = out->ip[out->req.n_ip];
			out->req.n_ip++;
		}
	}
	wc_FreeDecodedCert(&dc);
	out->req.kind = kind;
	/* A gateway's name is always among its SANs (issue-server puts it
	 * there); add it back if this build did not parse it. */
	if (kind == CERTGEN_SERVER) {
		uint8_t a[16];
		bool have = false;
		bool ip =
		    inet_pton(AF_INET, out->cn, a) == 1 || inet_pton(AF_INET6, out->cn, a) == 1;

		for (size_t i = 0; i < out->req.n_dns; i++)
			have = have || strcmp(out->req.dns[i], out->cn) == 0;
		for (size_t i = 0; i < out->req.n_ip; i++)
			have = have || strcmp(out->req.ip[i], out->cn) == 0;
		if (!have && ip && out->req.n_ip < CERTGEN_MAX_SANS)
			out->req.ip[out->req.n_ip++] = out->cn;
		else if (!have && !ip && out->req.n_dns < CERTGEN_MAX_SANS)
			out->req.dns[out->req.n_dns++] = out->cn;
	}
	/* A client whose CN is an e-mail address carries it as its SAN too
	 * ("ca issue-client", enrollment), which an identity = san-email
	 * gateway reads: add it back if this build did not parse it. */
	if (kind == CERTGEN_CLIENT && out->req.n_email == 0 && strchr(out->cn, '@') != NULL &&
	    strchr(out->cn, ' ') == NULL) {
		snprintf(out->email[0], sizeof(out->email[0]), "%s", out->cn);
		out->req.email[0] = out->email[0];
		out->req.n_email = 1;
	}
	return 0;
}
