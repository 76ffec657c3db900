#!/bin/sh
# crl_certs.sh DIR - CRLs for test_crl_parse, made fresh at test time with the
# openssl command line (openssl ca -gencrl, as admins and easy-rsa make them):
#   ec.pem/.key        P-256 root; ec.crl.pem (v2, 3 revoked, reasons, number,
#                      AKI, sha256) and ec.crl.der (the same in DER)
#   ec-empty.crl.pem   v2, nothing revoked
#   p384.pem           P-384 root; p384.crl.pem signed ecdsa-with-SHA384
#   rsa.pem            RSA-2048 root; rsa256/384/512.crl.pem
#   other.pem          another root with the SAME name as ec.pem; other.crl.pem
#                      is a v1 CRL (no extensions) revoking serial 0x1000
#   leaf.pem           a certificate issued by ec.pem, serial 0x1000 (revoked)
#   bundle.pem         ec.pem, p384.pem and rsa.pem
set -eu
d=$1
mkdir -p "$d"
cd "$d"
exec 2>openssl.log

root() { # name keyalg-args... 
	n=$1
	shift
	openssl req -x509 -new -newkey "$@" -nodes -keyout "$n.key" -subj "/CN=CRL Test CA/O=mtlsvpn" \
		-days 30 -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$n.pem"
}

# db name md [v1]: an openssl ca database for CA name
db() {
	n=$1 md=$2
	rm -rf "db-$n"
	mkdir -p "db-$n/new"
	: >"db-$n/index.txt"
	echo 1000 >"db-$n/serial"
	echo 01 >"db-$n/crlnumber"
	{
		echo "[ca]"
		echo "default_ca = c"
		echo "[c]"
		echo "database = db-$n/index.txt"
		echo "new_certs_dir = db-$n/new"
		echo "serial = db-$n/serial"
		[ "${3:-}" = v1 ] || echo "crlnumber = db-$n/crlnumber"
		echo "default_md = $md"
		echo "default_crl_days = 7"
		echo "policy = any"
		echo "unique_subject = no"
		echo "x509_extensions = leaf"
		[ "${3:-}" = v1 ] || echo "crl_extensions = crlext"
		echo "[any]"
		echo "commonName = supplied"
		echo "[leaf]"
		echo "basicConstraints = critical, CA:FALSE"
		echo "extendedKeyUsage = clientAuth"
		echo "[crlext]"
		echo "authorityKeyIdentifier = keyid:always"
	} >"db-$n/ca.cnf"
}

# issue CA name: a leaf from CA (the database's next serial)
issue() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$2.key" \
		-subj "/CN=$2" -out "$2.csr"
	openssl ca -batch -config "db-$1/ca.cnf" -cert "$1.pem" -keyfile "$1.key" -days 5 \
		-in "$2.csr" -out "$2.pem"
}
revoke() { # CA leaf [reason]
	openssl ca -config "db-$1/ca.cnf" -cert "$1.pem" -keyfile "$1.key" -revoke "$2.pem" \
		${3:+-crl_reason "$3"}
}
gencrl() { # CA out
	openssl ca -config "db-$1/ca.cnf" -cert "$1.pem" -keyfile "$1.key" -gencrl -out "$2"
}

root ec ec -pkeyopt ec_paramgen_curve:P-256
db ec sha256
gencrl ec ec-empty.crl.pem
issue ec leaf
issue ec leaf2
issue ec leaf3
revoke ec leaf keyCompromise
revoke ec leaf2
revoke ec leaf3 superseded
gencrl ec ec.crl.pem
openssl crl -in ec.crl.pem -outform DER -out ec.crl.der

root p384 ec -pkeyopt ec_paramgen_curve:P-384
db p384 sha384
issue p384 p384leaf
revoke p384 p384leaf cessationOfOperation
gencrl p384 p384.crl.pem

root rsa rsa:2048
for md in sha256 sha384 sha512; do
	db rsa $md
	issue rsa "rsaleaf$md"
	revoke rsa "rsaleaf$md" affiliationChanged
	gencrl rsa "rsa${md#sha}.crl.pem"
done

root other ec -pkeyopt ec_paramgen_curve:P-256
db other sha256 v1
issue other otherleaf
revoke other otherleaf
gencrl other other.crl.pem

cat ec.pem p384.pem rsa.pem >bundle.pem
