#!/usr/bin/env bash
# Keys a person can protect. Passphrase-protected PKCS#8 keys: a gateway
# whose key is encrypted and a client whose key is encrypted connect with
# the passphrases from key_passphrase_file; a wrong passphrase is one clear
# error naming the key file and exit status 2 (no retry); with no file and
# nobody to ask (no terminal, not under systemd) the client says so.
# Keys in a PKCS#11 token (SoftHSM2, tokens this test makes): the key pair
# is generated inside the token, "mtlsvpnctl ca csr" makes a request signed
# in the token, "ca issue-client/issue-server --csr" certify it, and the
# gateway (running as nobody) and a client connect with key = pkcs11:...;
# a wrong PIN, a missing module and an RSA key longer than 2048 bits are
# clear errors with exit status 2.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is missing (packaging/setup.sh installs it)"
command -v softhsm2-util >/dev/null || fail "softhsm2-util is missing (packaging/setup.sh installs softhsm2)"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is missing (packaging/setup.sh installs opensc)"
M=/usr/lib/softhsm/libsofthsm2.so
[ -f "$M" ] || fail "$M is missing (packaging/setup.sh installs softhsm2)"

topo_init
add_laptop 1
pki_init
pki_client alice

# encrypt IN OUT PASSFILE: PKCS#8, PBES2 AES-256-CBC, as people make them.
encrypt() {
	openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$1" -out "$2" -passout "file:$3" \
		2>>"$WORK/ctl.log" || fail "openssl pkcs8 could not encrypt $1"
	chmod 600 "$2"
	grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$2" || fail "$2 is not an encrypted PKCS#8 key"
}
printf 'gateway passphrase %s\n' "$ID" >"$WORK/gw.pass"
printf 'correct horse %s\n' "$ID" >"$WORK/alice.pass"
printf 'wrong horse\n' >"$WORK/wrong.pass"
chmod 600 "$WORK"/*.pass
encrypt "$WORK/gw.test.key" "$WORK/gw.enc.key" "$WORK/gw.pass"
encrypt "$WORK/alice.key" "$WORK/alice.enc.key" "$WORK/alice.pass"

# ---- the gateway's key, encrypted ----
write_server_ini "key = gw.enc.key" "key_passphrase_file = gw.pass"
# A key is named once: the default line goes.
sed -i '/^key = gw.test.key$/d' "$WORK/server.ini"
start_gateway
say "the gateway runs with an encrypted key"

# ---- the client's key, encrypted, passphrase from a file ----
write_client_ini 1 alice "key_passphrase_file = $WORK/alice.pass"
sed -i "s|^key = alice.key$|key = alice.enc.key|" "$WORK/client1.ini"
start_client 1
wait_tunnel 1
say "a client with an encrypted key connects (passphrase from key_passphrase_file)"
stop_pid "${CLIENT_PID[1]}"

# ---- the passphrase typed on a terminal (a pseudo-terminal) ----
sed -i "/^key_passphrase_file = /d" "$WORK/client1.ini"
# ask_tty PASSPHRASE: --check-config loads the key; the passphrase is typed
# once the prompt shows; sets RUN_RC.
ask_tty() {
	set +e
	timeout 30 python3 "$SRC/tests/integration/tty_answer.py" "Passphrase for" "$1" \
		"$B/mtlsvpn-client" -c "$WORK/client1.ini" --check-config >"$WORK/tty.out" 2>&1
	RUN_RC=$?
	set -e
}
ask_tty "correct horse $ID"
[ "$RUN_RC" -eq 0 ] || fail "passphrase on the terminal: exit $RUN_RC: $(cat "$WORK/tty.out")"
grep -q "Passphrase for $WORK/alice.enc.key:" "$WORK/tty.out" ||
	fail "no passphrase prompt on the terminal: $(cat "$WORK/tty.out")"
grep -q "configuration OK" "$WORK/tty.out" || fail "--check-config: $(cat "$WORK/tty.out")"
grep -q "correct horse" "$WORK/tty.out" && fail "the passphrase was echoed: $(cat "$WORK/tty.out")"
ask_tty "not it"
[ "$RUN_RC" -eq 2 ] || fail "wrong passphrase on the terminal: exit $RUN_RC, want 2: $(cat "$WORK/tty.out")"
grep -q "cannot decrypt key $WORK/alice.enc.key: wrong passphrase" "$WORK/tty.out" ||
	fail "wrong passphrase on the terminal: $(cat "$WORK/tty.out")"
say "passphrase asked on the terminal: right one accepted, wrong one exit 2"

# A profile whose embedded [key] is encrypted: asked the same way.
"$B/mtlsvpnctl" ca profile alice --dir "$CA" --gateway 192.0.2.1:8443 --server-name gw.test \
	--cert "$WORK/alice.crt" --key "$WORK/alice.key" --out "$WORK/alice.profile" \
	>>"$WORK/ctl.log" 2>&1 || fail "ca profile: $(tail -n 3 "$WORK/ctl.log")"
sed -i '/^\[key\]$/,$d' "$WORK/alice.profile"
{
	echo "[key]"
	awk '{ printf "pem%d = %s\n", NR, $0 }' "$WORK/alice.enc.key"
} >>"$WORK/alice.profile"
grep -q "^pem1 = -----BEGIN ENCRYPTED PRIVATE KEY-----" "$WORK/alice.profile" ||
	fail "the profile does not embed the encrypted key"
set +e
timeout 30 python3 "$SRC/tests/integration/tty_answer.py" "Passphrase for [key] of" \
	"correct horse $ID" "$B/mtlsvpn-client" -c "$WORK/alice.profile" --check-config \
	>"$WORK/tty.out" 2>&1
RUN_RC=$?
set -e
[ "$RUN_RC" -eq 0 ] && grep -q "configuration OK" "$WORK/tty.out" ||
	fail "profile with an encrypted [key]: exit $RUN_RC: $(cat "$WORK/tty.out")"
say "a profile with an encrypted [key]: passphrase asked, configuration OK"
echo "key_passphrase_file = $WORK/alice.pass" >>"$WORK/client1.ini"

# ---- a wrong passphrase: one clear error, exit 2, no retry ----
sed -i "s|^key_passphrase_file = .*|key_passphrase_file = $WORK/wrong.pass|" "$WORK/client1.ini"
: >"$WORK/client1.log"
run_client_to_end 1 20 </dev/null
[ "$RUN_RC" -eq 2 ] || fail "wrong passphrase: exit status $RUN_RC, want 2"
n=$(grep -c "cannot decrypt key $WORK/alice.enc.key: wrong passphrase" "$WORK/client1.log" || true)
[ "$n" -eq 1 ] || fail "wrong passphrase: the error is said $n times, want once: $(cat "$WORK/client1.log")"
say "wrong passphrase: '$(grep -o 'cannot decrypt.*' "$WORK/client1.log")', exit 2"

# ---- no passphrase file and nobody to ask ----
sed -i "/^key_passphrase_file = /d" "$WORK/client1.ini"
: >"$WORK/client1.log"
unset INVOCATION_ID
run_client_to_end 1 20 </dev/null
[ "$RUN_RC" -eq 2 ] || fail "no passphrase: exit status $RUN_RC, want 2"
grep -q "key $WORK/alice.enc.key is encrypted and no passphrase was given: no terminal" \
	"$WORK/client1.log" || fail "no passphrase: unclear error: $(cat "$WORK/client1.log")"
say "no passphrase and no terminal: a clear error, exit 2"
stop_pid "$GW_PID"

# ---- keys in PKCS#11 tokens ----
# SoftHSM2 keeps its tokens in this test's directory, never in /var/lib:
# one directory for the laptop's token, one for the gateway's (it re-reads
# its token files at each signature, so the gateway's belong to nobody).
# softhsm CONF: the SoftHSM2 configuration of directory tokens-CONF.
softhsm() {
	mkdir -p "$WORK/tokens-$1"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$WORK/tokens-$1" >"$WORK/softhsm-$1.conf"
	echo "$WORK/softhsm-$1.conf"
}
LAPTOP_HSM=$(softhsm laptop)
GW_HSM=$(softhsm gw)
# token CONF LABEL PIN ID OBJECT: a token with an EC P-256 key pair made inside it.
token() {
	SOFTHSM2_CONF=$1 softhsm2-util --init-token --free --label "$2" --pin "$3" \
		--so-pin "so-$3" >>"$WORK/ctl.log" 2>&1 || fail "softhsm2-util could not make token $2"
	SOFTHSM2_CONF=$1 pkcs11-tool --module "$M" --token-label "$2" --login --pin "$3" \
		--keypairgen --key-type EC:prime256v1 --id "$4" --label "$5" >>"$WORK/ctl.log" 2>&1 ||
		fail "pkcs11-tool could not make a key pair in token $2"
}
token "$LAPTOP_HSM" laptop 4321 0a carol
token "$GW_HSM" gwhsm 8765 0b gateway
printf '4321\n' >"$WORK/carol.pin"
printf '8765\n' >"$WORK/gw.pin"
printf '0000\n' >"$WORK/bad.pin"
chmod 600 "$WORK"/*.pin
CAROL="pkcs11:token=laptop;object=carol?pin-source=file:$WORK/carol.pin"
GWKEY="pkcs11:token=gwhsm;id=%0b?pin-source=file:$WORK/gw.pin"

# Requests signed inside the tokens, certified by the CA.
SOFTHSM2_CONF=$LAPTOP_HSM "$B/mtlsvpnctl" ca csr carol --key "$CAROL" --pkcs11-module "$M" --out "$WORK/carol.csr" \
	>>"$WORK/ctl.log" 2>&1 || fail "ca csr carol: $(tail -n 3 "$WORK/ctl.log")"
openssl req -in "$WORK/carol.csr" -noout -verify 2>&1 | grep -q "verify OK" ||
	fail "carol.csr does not verify"
"$B/mtlsvpnctl" ca issue-client carol --dir "$CA" --csr "$WORK/carol.csr" --out "$WORK" \
	>>"$WORK/ctl.log" 2>&1 || fail "ca issue-client carol --csr: $(tail -n 3 "$WORK/ctl.log")"
[ ! -e "$WORK/carol.key" ] || fail "issue-client --csr wrote a key file"
mkdir -p "$WORK/hsm"
SOFTHSM2_CONF=$GW_HSM "$B/mtlsvpnctl" ca csr gw.test --key "$GWKEY" --pkcs11-module "$M" --out "$WORK/gw.csr" \
	>>"$WORK/ctl.log" 2>&1 || fail "ca csr gw.test: $(tail -n 3 "$WORK/ctl.log")"
"$B/mtlsvpnctl" ca issue-server gw.test --dir "$CA" --csr "$WORK/gw.csr" --out "$WORK/hsm" \
	>>"$WORK/ctl.log" 2>&1 || fail "ca issue-server --csr: $(tail -n 3 "$WORK/ctl.log")"
say "key pairs made in the tokens; requests signed in them and certified"

# The gateway signs with its token key as nobody.
chown -R nobody "$WORK/tokens-gw"
export SOFTHSM2_CONF=$GW_HSM
write_server_ini "pkcs11_module = $M" "key = \"$GWKEY\"" "cert = hsm/gw.test.crt"
sed -i '/^key = gw.test.key$/d; /^cert = gw.test.crt$/d' "$WORK/server.ini"
: >"$WORK/gateway.log"
start_gateway
export SOFTHSM2_CONF=$LAPTOP_HSM
write_client_ini 1 carol "pkcs11_module = $M"
sed -i "s|^key = carol.key$|key = \"$CAROL\"|" "$WORK/client1.ini"
: >"$WORK/client1.log"
start_client 1
wait_tunnel 1
grep -q 'session up: .*identity="carol"' "$WORK/gateway.log" ||
	fail "the gateway did not log carol's session"
say "gateway and client with keys in tokens: tunnel up"
stop_pid "${CLIENT_PID[1]}"
grep -q "4321" "$WORK/client1.log" && fail "the client logged the PIN"

# A wrong PIN: one clear error, exit 2.
sed -i "s|/carol\.pin|/bad.pin|" "$WORK/client1.ini"
: >"$WORK/client1.log"
run_client_to_end 1 20 </dev/null
[ "$RUN_RC" -eq 2 ] || fail "wrong PIN: exit status $RUN_RC, want 2"
grep -q "cannot use key pkcs11:token=laptop;object=carol?pin-source=.*: cannot log in to token 'laptop': wrong PIN" \
	"$WORK/client1.log" || fail "wrong PIN: unclear error: $(cat "$WORK/client1.log")"
say "wrong PIN: '$(grep -o 'cannot log in.*' "$WORK/client1.log")', exit 2"

# A module that is not there: the loader's words, exit 2.
sed -i "s|^pkcs11_module = .*|pkcs11_module = /nonexistent/libpkcs11.so|" "$WORK/client1.ini"
: >"$WORK/client1.log"
run_client_to_end 1 20 </dev/null
[ "$RUN_RC" -eq 2 ] || fail "missing module: exit status $RUN_RC, want 2"
grep -q "pkcs11_module: /nonexistent/libpkcs11.so does not exist" "$WORK/client1.log" ||
	fail "missing module: unclear error: $(cat "$WORK/client1.log")"
say "missing PKCS#11 module: a clear error, exit 2"

# An RSA-3072 key in a token: refused at start (wolfSSL 5.5.4 cannot sign
# RSA-PSS with it through PKCS#11), not left to fail every handshake.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -outform DER \
	-out "$WORK/big.der" 2>>"$WORK/ctl.log" || fail "openssl could not make an RSA-3072 key"
SOFTHSM2_CONF=$LAPTOP_HSM pkcs11-tool --module "$M" --token-label laptop --login --pin 4321 \
	--write-object "$WORK/big.der" --type privkey --id 0c --label big >>"$WORK/ctl.log" 2>&1 ||
	fail "pkcs11-tool could not store the RSA-3072 key"
rm -f "$WORK/big.der"
sed -i "s|^pkcs11_module = .*|pkcs11_module = $M|; s|object=carol|object=big|; s|/bad\.pin|/carol.pin|" \
	"$WORK/client1.ini"
: >"$WORK/client1.log"
run_client_to_end 1 20 </dev/null
[ "$RUN_RC" -eq 2 ] || fail "RSA-3072 in a token: exit status $RUN_RC, want 2"
grep -q "it is a 3072-bit RSA key; in a token only RSA-2048 and EC P-256 keys work" \
	"$WORK/client1.log" || fail "RSA-3072 in a token: unclear error: $(cat "$WORK/client1.log")"
say "an RSA-3072 key in a token: refused at start, exit 2"

pass
