#!/bin/sh
# est_pki.sh DIR - what the EST tests read, made with the openssl command
# line (a missing openssl fails the test):
#   test_pkcs7_certs: a.der (P-256), b.der (RSA-2048), c.der (P-384)
#     self-signed certificates and ref.p7 = "openssl crl2pkcs7 -nocrl" of
#     a, b, c in that order (DER), which our builder must equal
#   test_est_csr: PKCS#10 requests in DER: p256.der and rsa2048.der
#     (accepted), rsa1024.der, p384.der and ed25519.der (refused), sans.der
#     (P-256 with a subject and SANs the gateway must ignore)
set -eu
command -v openssl >/dev/null || { echo "openssl is not installed" >&2; exit 1; }
d=$1
mkdir -p "$d"
cd "$d"
exec 2>openssl.log

cert() { # name keyalg-args...
	n=$1
	shift
	openssl req -x509 -newkey "$@" -nodes -keyout "$n.key" -subj "/CN=$n" -days 2 \
		-out "$n.pem"
	openssl x509 -in "$n.pem" -outform DER -out "$n.der"
}
cert a ec -pkeyopt ec_paramgen_curve:P-256
cert b rsa:2048
cert c ec -pkeyopt ec_paramgen_curve:P-384
openssl crl2pkcs7 -nocrl -certfile a.pem -certfile b.pem -certfile c.pem -outform DER -out ref.p7

req() { # name subject keyalg-args...
	n=$1
	s=$2
	shift 2
	openssl req -new -newkey "$@" -nodes -keyout "$n.key" -subj "$s" -outform DER -out "$n.der"
}
req p256 /CN=alice ec -pkeyopt ec_paramgen_curve:P-256
req rsa2048 /CN=bob rsa:2048
req rsa1024 /CN=weak rsa:1024
req p384 /CN=curve ec -pkeyopt ec_paramgen_curve:P-384
req ed25519 /CN=edwards ed25519
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout sans.key \
	-subj "/CN=admin/O=Evil" -addext "subjectAltName=DNS:vpn.example.com,IP:10.0.0.1" \
	-outform DER -out sans.der
