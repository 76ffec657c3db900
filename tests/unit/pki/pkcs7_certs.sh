#!/bin/sh
# pkcs7_certs.sh DIR - certificates for test_pkcs7_certs, made with the
# openssl command line: a.der (P-256), b.der (RSA-2048), c.der (P-384),
# and ref.p7 = "openssl crl2pkcs7 -nocrl" of a, b, c in that order (DER),
# the reference our builder must equal byte for byte.
set -eu
command -v openssl >/dev/null || { echo "openssl is not installed" >&2; exit 1; }
d=$1
mkdir -p "$d"
cd "$d"
exec 2>openssl.log
mk() { # name keyalg-args...
	n=$1
	shift
	openssl req -x509 -newkey "$@" -nodes -keyout "$n.key" -subj "/CN=$n" -days 2 \
		-out "$n.pem"
	openssl x509 -in "$n.pem" -outform DER -out "$n.der"
}
mk a ec -pkeyopt ec_paramgen_curve:P-256
mk b rsa:2048
mk c ec -pkeyopt ec_paramgen_curve:P-384
openssl crl2pkcs7 -nocrl -certfile a.pem -certfile b.pem -certfile c.pem -outform DER -out ref.p7
