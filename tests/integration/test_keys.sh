#!/usr/bin/env bash
# Keys a person can protect. Passphrase-protected PKCS#8 keys: a gateway
# whose key is encrypted and a client whose key is encrypted connect with
# the passphrases from key_passphrase_file; a wrong passphrase is one clear
# error naming the key file and exit status 2 (no retry); with no file and
# nobody to ask (no terminal, not under systemd) the client says so.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is missing (packaging/setup.sh installs it)"

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

pass
