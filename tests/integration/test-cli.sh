#!/bin/sh
# SPDX-License-Identifier: ISC
# The command lines operators and scripts rely on: init, run, address,
# hearth ping, and their errors. Real binaries, loopback only.
# usage: test-cli.sh HEARTH_RELAY HEARTH
set -u
relay=$1 client=$2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { # check NAME COMMAND...: the command must succeed
	name=$1; shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then ok "$name"; else
		not_ok "$name"; cat "$tmp/out" "$tmp/err"; fi
}
check_fails() { # check_fails NAME PATTERN COMMAND...: fails, says PATTERN
	name=$1 pattern=$2; shift 2
	if "$@" >"$tmp/out" 2>"$tmp/err"; then
		not_ok "$name (succeeded)"
	elif grep -q -- "$pattern" "$tmp/err"; then ok "$name"; else
		not_ok "$name (message)"; cat "$tmp/err"; fi
}

check "relay --help" "$relay" --help
check "client --help" "$client" --help
check_fails "relay without command" "missing command" "$relay"
check_fails "relay unknown command" "unknown command" "$relay" fly --data "$tmp/d"
check_fails "relay needs --data" "--data DIR is required" "$relay" run
check_fails "relay rejects bad port" "is not HOST:PORT" "$relay" run --data "$tmp/d" --listen 127.0.0.1:99999
check_fails "relay rejects bad number" "is not a number" "$relay" run --data "$tmp/d" --max-connections -5
check_fails "run before init" "run 'hearth-relay init" "$relay" run --data "$tmp/d" --listen 127.0.0.1:0

check "init" "$relay" init --data "$tmp/d" --listen 127.0.0.1:7483
grep -q '^hearth://[A-Za-z0-9_-]\{43\}@127.0.0.1:7483$' "$tmp/out" && ok "init prints the address" || not_ok "init prints the address"
[ "$(stat -c %a "$tmp/d")" = 700 ] && ok "data folder is 0700" || not_ok "data folder is 0700"
[ "$(stat -c %a "$tmp/d/relay.key")" = 600 ] && ok "key file is 0600" || not_ok "key file is 0600"
cp "$tmp/d/relay.key" "$tmp/key.before"
check_fails "init twice refuses" "not replacing" "$relay" init --data "$tmp/d"
cmp -s "$tmp/d/relay.key" "$tmp/key.before" && ok "key unchanged by second init" || not_ok "key unchanged by second init"

chmod 644 "$tmp/d/relay.key"
check_fails "world-readable key refused" "mode 0600" "$relay" run --data "$tmp/d" --listen 127.0.0.1:0
chmod 600 "$tmp/d/relay.key"

"$relay" run --data "$tmp/d" --listen 127.0.0.1:0 --log-level debug >"$tmp/port" 2>"$tmp/relay.log" &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(head -n 1 "$tmp/port")
case "$port" in
''|*[!0-9]*) not_ok "relay reports its port"; port=1 ;;
*) ok "relay reports its port" ;;
esac
address=$("$relay" address --data "$tmp/d" --listen "127.0.0.1:$port")

check "ping" "$client" ping "$address" --count 3
grep -q "relay key verified" "$tmp/out" && grep -q "3 pings answered" "$tmp/out" && ok "ping reports" || not_ok "ping reports"

key=$(printf '%s' "$address" | sed 's|hearth://\(.*\)@.*|\1|')
# Change only the first character: the last one of a 32-byte key carries
# padding bits and must stay canonical for the address to parse.
case $key in A*) other=B${key#?} ;; *) other=A${key#?} ;; esac
check_fails "wrong pinned key" "relay key mismatch" "$client" ping "hearth://$other@127.0.0.1:$port"
check_fails "bad address" "is not a relay address" "$client" ping "hearth://short@127.0.0.1:$port"

kill -TERM "$pid"
wait "$pid"; st=$?
pid=
[ "$st" = 0 ] && ok "relay exits 0 on SIGTERM" || not_ok "relay exits 0 on SIGTERM (status $st)"
# Even at debug level the log names no peer: only the listening line
# may mention an address, and it is the relay's own.
if grep -v 'listening on' "$tmp/relay.log" | grep -q '127\.0\.0\.1'; then
	not_ok "no addresses in the relay log"; cat "$tmp/relay.log"
else ok "no addresses in the relay log"; fi
grep -q 'closed' "$tmp/relay.log" && ok "debug log records connections" || not_ok "debug log records connections"
check_fails "ping a stopped relay" "connection refused" "$client" ping "$address"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
