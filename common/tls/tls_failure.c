/*
 * tls_failure.c - the TLS wrapper's vocabulary for failures: which enum
 * tls_failure a wolfSSL error, an X509_V_ERR code from a verify callback or
 * a received alert stands for, and their names in words. Pure functions of
 * numbers; no wolfSSL object is touched.
 */
#include "tls_internal.h"

#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "proto.h"

static const char *const failure_names[] = {
    [TLS_FAIL_NONE] = "no failure",
    [TLS_FAIL_IO] = "connection lost",
    [TLS_FAIL_PEER_UNTRUSTED] = "peer certificate not trusted",
    [TLS_FAIL_PEER_EKU] = "peer certificate lacks the required extended key usage",
    [TLS_FAIL_NAME_MISMATCH] = "peer certificate does not name the server",
    [TLS_FAIL_NO_PEER_CERT] = "peer sent no certificate",
    [TLS_FAIL_REJECTED] = "peer rejected our certificate",
    [TLS_FAIL_ALPN] = ("peer does not speak " PROTO_ALPN),
    [TLS_FAIL_PROTOCOL] = "TLS protocol error",
};

const char *tls_failure_str(enum tls_failure f)
{
	if ((unsigned)f >= sizeof(failure_names) / sizeof(failure_names[0]))
		return "unknown failure";
	return failure_names[f];
}

/* What a wolfSSL or wolfCrypt error code says about the failure. */
enum tls_failure tls_failure_of_error(int err)
{
	switch (err) {
	case DOMAIN_NAME_MISMATCH:
	case IPADDR_MISMATCH:
		return TLS_FAIL_NAME_MISMATCH;
	case EXTKEYUSE_AUTH_E:
		return TLS_FAIL_PEER_EKU;
	case NO_PEER_CERT:
		return TLS_FAIL_NO_PEER_CERT;
	case UNKNOWN_ALPN_PROTOCOL_NAME_E:
		return TLS_FAIL_ALPN;
	case ASN_NO_SIGNER_E:
	case ASN_AFTER_DATE_E:
	case ASN_BEFORE_DATE_E:
	case ASN_SIG_CONFIRM_E:
	case ASN_SIG_OID_E:
	case ASN_SELF_SIGNED_E:
	case ASN_PATHLEN_SIZE_E:
	case ASN_PATHLEN_INV_E:
	case VERIFY_CERT_ERROR:
	case CRL_CERT_REVOKED:
		return TLS_FAIL_PEER_UNTRUSTED;
	case SOCKET_ERROR_E:
	case SOCKET_PEER_CLOSED_E:
		return TLS_FAIL_IO;
	default:
		return TLS_FAIL_PROTOCOL;
	}
}

/* RFC 8446 6.2 names: wolfSSL 5.5.4 has none for the TLS 1.3 alerts. */
static const struct {
	int code;
	const char *name;
} alert_names[] = {
    {close_notify, "close_notify"},
    {unexpected_message, "unexpected_message"},
    {bad_record_mac, "bad_record_mac"},
    {handshake_failure, "handshake_failure"},
    {bad_certificate, "bad_certificate"},
    {unsupported_certificate, "unsupported_certificate"},
    {certificate_revoked, "certificate_revoked"},
    {certificate_expired, "certificate_expired"},
    {certificate_unknown, "certificate_unknown"},
    {illegal_parameter, "illegal_parameter"},
    {unknown_ca, "unknown_ca"},
    {access_denied, "access_denied"},
    {decode_error, "decode_error"},
    {decrypt_error, "decrypt_error"},
    {protocol_version, "protocol_version"},
    {insufficient_security, "insufficient_security"},
    {internal_error, "internal_error"},
    {missing_extension, "missing_extension"},
    {unsupported_extension, "unsupported_extension"},
    {unrecognized_name, "unrecognized_name"},
    {certificate_required, "certificate_required"},
    {no_application_protocol, "no_application_protocol"},
};

const char *tls_failure_alert_name(int code)
{
	for (size_t i = 0; i < sizeof(alert_names) / sizeof(alert_names[0]); i++)
		if (alert_names[i].code == code)
			return alert_names[i].name;
	return "alert";
}

/* X509_V_ERR_* in words. wolfSSL reports an expired certificate as "error
 * in the notAfter field" (14), which its own table does not name. */
const char *tls_failure_x509_words(int err)
{
	switch (err) {
	case 9:
	case 13:
		return "certificate is not yet valid";
	case 10:
	case 14:
		return "certificate has expired";
	default:
		return wolfSSL_X509_verify_cert_error_string(err);
	}
}

/* A verify error as the callback sees it: a wolfSSL code (negative) or,
 * in builds with OpenSSL-compatible codes, an X509_V_ERR_* (positive). */
enum tls_failure tls_failure_of_verify(int err)
{
	enum tls_failure f;

	switch (err) {
	case 26: /* X509_V_ERR_INVALID_PURPOSE */
		return TLS_FAIL_PEER_EKU;
	case 62: /* X509_V_ERR_HOSTNAME_MISMATCH */
	case 64: /* X509_V_ERR_IP_ADDRESS_MISMATCH */
		return TLS_FAIL_NAME_MISMATCH;
	default:
		break;
	}
	f = err < 0 ? tls_failure_of_error(err) : TLS_FAIL_PEER_UNTRUSTED;
	/* Whatever else stops a chain from verifying: not trusted. */
	return f == TLS_FAIL_PROTOCOL || f == TLS_FAIL_IO ? TLS_FAIL_PEER_UNTRUSTED : f;
}

/* A fatal alert from the peer: about our certificate, or about ALPN. */
enum tls_failure tls_failure_of_alert(int code)
{
	switch (code) {
	case bad_certificate:
	case unsupported_certificate:
	case certificate_revoked:
	case certificate_expired:
	case certificate_unknown:
	case unknown_ca:
	case access_denied:
	case certificate_required:
		return TLS_FAIL_REJECTED;
	case no_application_protocol:
		return TLS_FAIL_ALPN;
	default:
		return TLS_FAIL_PROTOCOL;
	}
}
