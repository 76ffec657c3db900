#!/bin/sh
# tls_certs.sh DIR - test PKI for test_tls, made fresh at test time with the
# openssl command line (EC P-256 keys, fast to make and to use):
#   ca.pem            root CA (the trust anchor of both sides)
#   inter.pem         intermediate CA under the root; leaves below are issued by it
#   server.pem/.key   gateway: serverAuth, SAN DNS:gw.test and IP:127.0.0.1, + intermediate
#   server-wild.*     gateway: serverAuth, SAN DNS:*.wild.test and IP:::1
#   server-noeku.*    gateway cert with clientAuth only
#   client.pem/.key   CN=alice, OU=eng, OU=vpn, SAN email/URI/DNS, clientAuth, + intermediate
#   client-noeku.*    clientAuth missing (emailProtection only)
#   client-noext.*    no extendedKeyUsage extension at all
#   client-other.*    clientAuth, issued by another root (other-ca.pem)
#   client-expired.*  clientAuth, validity 2020-01-01 .. 2020-01-02 (openssl ca)
set -eu
d=$1
mkdir -p "$d"
cd "$d"
exec 2>openssl.log

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

# name, subject, issuer, extensions (lines of an openssl config section)
issue() {
	key "$1"
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	printf '[ext]\n%s\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
		-days 30 -sha256 -extfile "$1.ext" -extensions ext -out "$1.leaf"
}

ca_ext='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign'

for ca in ca other-ca; do
	key $ca
	openssl req -x509 -new -key $ca.key -subj "/CN=mtlsvpn test $ca" -days 30 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out $ca.pem
done
issue inter "/CN=mtlsvpn test intermediate" ca "$ca_ext"
mv inter.leaf inter.pem

leaf_ku='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature'
issue server "/CN=gw.test" inter "$leaf_ku
extendedKeyUsage=serverAuth
subjectAltName=DNS:gw.test,IP:127.0.0.1"
issue server-wild "/CN=wild.test" inter "$leaf_ku
extendedKeyUsage=serverAuth
subjectAltName=DNS:*.wild.test,IP:::1"
issue server-noeku "/CN=gw.test" inter "$leaf_ku
extendedKeyUsage=clientAuth
subjectAltName=DNS:gw.test"
issue client "/O=Corp/OU=eng/OU=vpn/CN=alice" inter "$leaf_ku
extendedKeyUsage=clientAuth
subjectAltName=email:alice@corp.test,URI:https://corp.test/alice,DNS:alice.corp.test"
issue client-noeku "/CN=bob" inter "$leaf_ku
extendedKeyUsage=emailProtection
subjectAltName=email:bob@corp.test"
issue client-noext "/CN=carol" inter "$leaf_ku
subjectAltName=email:carol@corp.test"
issue client-other "/CN=mallory" other-ca "$leaf_ku
extendedKeyUsage=clientAuth
subjectAltName=email:mallory@corp.test"

for n in server server-wild server-noeku client client-noeku client-noext; do
	cat $n.leaf inter.pem >$n.pem
done
cp client-other.leaf client-other.pem

# Expired: openssl x509 cannot set dates in the past; openssl ca can.
key client-expired
openssl req -new -key client-expired.key -subj "/CN=dave" -out client-expired.csr
mkdir -p cadb
: >cadb/index.txt
echo 1000 >cadb/serial
cat >ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[ext]
$leaf_ku
extendedKeyUsage=clientAuth
subjectAltName=email:dave@corp.test
EOF
openssl ca -batch -config ca.cnf -cert inter.pem -keyfile inter.key -in client-expired.csr \
	-startdate 20200101000000Z -enddate 20200102000000Z -extensions ext -notext \
	-out client-expired.leaf
cat client-expired.leaf inter.pem >client-expired.pem

# Facts the test compares against.
openssl x509 -in client.leaf -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f' >client.serial
date -u -d "$(openssl x509 -in client.leaf -noout -enddate | sed 's/^notAfter=//')" +%s >client.notafter
openssl x509 -in client.leaf -outform DER | openssl dgst -sha256 -r | cut -c1-16 >client.fp
