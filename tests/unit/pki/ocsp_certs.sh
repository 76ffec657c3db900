#!/bin/sh
# ocsp_certs.sh DIR - a PKI for test_ocsp, made fresh at test time with the
# openssl command line; test_ocsp then has `openssl ocsp` answer its own
# requests against index.txt:
#   ca.pem/.key        P-256 root; the openssl ca database db/ knows:
#   good.pem           serial 1000, valid (its AIA names http://10.1.2.3:8888/ocsp)
#   revoked.pem        serial 1001, revoked keyCompromise
#   resp.pem/.key      a delegated responder (EKU OCSPSigning) issued by ca.pem
#   noeku.pem/.key     issued by ca.pem without OCSPSigning
#   other.pem/.key     another root; otherresp.pem/.key its OCSPSigning responder
set -eu
d=$1
mkdir -p "$d/db/new"
cd "$d"
exec 2>openssl.log

root() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/CN=$2/O=mtlsvpn" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}
root ca "OCSP Test CA"
root other "OCSP Test CA"
: >db/index.txt
echo 1000 >db/serial
cat >ca.cnf <<CNF
[ca]
default_ca = c
[c]
database = db/index.txt
new_certs_dir = db/new
serial = db/serial
default_md = sha256
default_days = 30
policy = any
unique_subject = no
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = clientAuth
authorityInfoAccess = OCSP;URI:http://10.1.2.3:8888/ocsp
[resp]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = OCSPSigning
[noeku]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = clientAuth
CNF
# issue NAME CA EXT
issue() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/CN=$1" -out "$1.csr"
	openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -extensions "$3" \
		-in "$1.csr" -out "$1.pem"
}
issue good ca leaf
issue revoked ca leaf
issue resp ca resp
issue noeku ca noeku
issue otherresp other resp
openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke revoked.pem -crl_reason keyCompromise
