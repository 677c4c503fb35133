#!/bin/sh
# SPDX-License-Identifier: ISC
# The command lines operators and scripts rely on: init, run, address,
# stats, the settings file, hearth ping, and their errors. Real binaries,
# loopback only.
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
check_status() { # check_status NAME STATUS PATTERN COMMAND...: exits STATUS
	name=$1 want=$2 pattern=$3; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"; st=$?
	if [ "$st" != "$want" ]; then
		not_ok "$name (status $st, not $want)"; cat "$tmp/err"
	elif grep -q -- "$pattern" "$tmp/err"; then ok "$name"; else
		not_ok "$name (message)"; cat "$tmp/err"; fi
}
# wait_port FILE: waits for a relay to write its port to FILE, prints it
wait_port() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	head -n 1 "$1"
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

# Every setting is a flag, listed in --help, checked like the file's key.
"$relay" --help >"$tmp/help"
bad=0
for key in listen max-connections max-connections-per-address \
	handshake-timeout idle-timeout queue-max frame-max rate rate-burst \
	max-subscriptions room-create operator-token room-keep-count \
	room-keep-count-max room-keep-age room-keep-age-max page-max \
	mailbox-ttl mailbox-quota-count mailbox-quota-bytes prekeys-max \
	escrow-max-delay escrow-max sync log-level; do
	grep -q -- "--$key " "$tmp/help" || { bad=1; echo "# --help lacks --$key"; }
	"$relay" address --data "$tmp/d" "--$key" 'x!' >/dev/null 2>"$tmp/err"
	st=$?
	[ "$st" = 2 ] && grep -q "^hearth-relay: $key " "$tmp/err" ||
		{ bad=1; echo "# --$key not checked (status $st)"; cat "$tmp/err"; }
done
[ $bad = 0 ] && ok "every setting is a checked flag listed in --help" ||
	not_ok "every setting is a checked flag listed in --help"

# The settings file: DIR/relay.conf by default, flags override it.
conf=$tmp/d/relay.conf
printf '# test\r\nlisten = 127.0.0.1:7999\r\nidle-timeout = 1234\n' >"$conf"
check "address reads relay.conf" "$relay" address --data "$tmp/d"
grep -q '@127.0.0.1:7999$' "$tmp/out" && ok "relay.conf sets listen" || not_ok "relay.conf sets listen"
check "flag overrides relay.conf" "$relay" address --data "$tmp/d" --listen 127.0.0.1:7000
grep -q '@127.0.0.1:7000$' "$tmp/out" && ok "flag wins over the file" || not_ok "flag wins over the file"
printf 'idle-timeout = 1234\nidle-timeout = 99x\n' >"$conf"
check_status "invalid relay.conf: run exits 2" 2 "relay.conf line 2: duplicate key 'idle-timeout'" "$relay" run --data "$tmp/d" --listen 127.0.0.1:0
printf 'idle-timeout = 0\n' >"$tmp/other.conf"
check_status "invalid --config: run exits 2" 2 "other.conf line 1: idle-timeout is not a number from 1 to 86400000" "$relay" run --data "$tmp/d" --config "$tmp/other.conf" --listen 127.0.0.1:0
check_status "missing --config exits 2" 2 "cannot open $tmp/none.conf" "$relay" run --data "$tmp/d" --config "$tmp/none.conf" --listen 127.0.0.1:0
printf 'idle-timeout = 50\n' >"$tmp/good.conf"
check_status "bad flag over a good file exits 2" 2 "idle-timeout is not a number" "$relay" run --data "$tmp/d" --config "$tmp/good.conf" --idle-timeout 0
# A key file given as settings by mistake: refused without quoting it.
check_status "key file as --config refused" 2 "relay.key line 1: expected 'key = value'" "$relay" address --data "$tmp/d" --config "$tmp/d/relay.key"
grep -qF "$(cat "$tmp/d/relay.key")" "$tmp/err" && not_ok "private key not echoed" || ok "private key not echoed"
printf 'operator-token = AAECAwQFBgcICQoLDA0ODw\nroom-create = token\n' >"$conf"
chmod 644 "$conf"
check_status "token in a readable relay.conf refused" 2 "must be mode 0600" "$relay" address --data "$tmp/d"
grep -q 'AAECAwQF' "$tmp/err" && not_ok "token not echoed" || ok "token not echoed"
chmod 600 "$conf"
check "token in a 0600 relay.conf accepted" "$relay" address --data "$tmp/d"
ln -s "$conf" "$tmp/link.conf"
check_status "symlinked --config refused" 2 "symbolic link" "$relay" address --data "$tmp/d" --config "$tmp/link.conf"
check_status "room-create token without a token" 2 "needs an operator-token" "$relay" address --data "$tmp/d" --config "$tmp/good.conf" --room-create token
# log-level from the file, then overridden by the flag.
printf 'log-level = error\n' >"$conf"
# Each run gets a fresh port file: the shell truncates it only in the
# child, which could still show the last run's port to wait_port.
rm -f "$tmp/port"
"$relay" run --data "$tmp/d" --listen 127.0.0.1:0 >"$tmp/port" 2>"$tmp/quiet.log" &
pid=$!
port=$(wait_port "$tmp/port")
kill -TERM "$pid"; wait "$pid"; pid=
[ -n "$port" ] && ! grep -q 'listening on' "$tmp/quiet.log" && ok "relay.conf sets log-level" || not_ok "relay.conf sets log-level"
rm -f "$tmp/port"
"$relay" run --data "$tmp/d" --listen 127.0.0.1:0 --log-level info >"$tmp/port" 2>"$tmp/loud.log" &
pid=$!
port=$(wait_port "$tmp/port")
kill -TERM "$pid"; wait "$pid"; pid=
grep -q 'listening on' "$tmp/loud.log" && ok "--log-level overrides relay.conf" || not_ok "--log-level overrides relay.conf"
rm -f "$conf"

check_status "stats without a relay" 1 "no relay is running with data in $tmp/d" "$relay" stats --data "$tmp/d"
rm -f "$tmp/port"
"$relay" run --data "$tmp/d" --listen 127.0.0.1:0 --log-level debug >"$tmp/port" 2>"$tmp/relay.log" &
pid=$!
port=$(wait_port "$tmp/port")
case "$port" in
''|*[!0-9]*) not_ok "relay reports its port"; port=1 ;;
*) ok "relay reports its port" ;;
esac
address=$("$relay" address --data "$tmp/d" --listen "127.0.0.1:$port")

check_status "a second relay on the folder is refused" 1 "another hearth-relay is running with this data folder" "$relay" run --data "$tmp/d" --listen 127.0.0.1:0
check "check while running" "$relay" check --data "$tmp/d"
grep -q '^database: ok (0 rooms' "$tmp/out" && grep -qx 'key: ok' "$tmp/out" && ok "check reports each part" || { not_ok "check reports each part"; cat "$tmp/out"; }
[ "$(stat -c %a "$tmp/d/relay.db")" = 600 ] && ok "relay.db is 0600" || not_ok "relay.db is 0600"

# The stats socket exists before the port is reported.
check "stats" "$relay" stats --data "$tmp/d"
grep -qx 'connections 0' "$tmp/out" && grep -qx 'accepted 0' "$tmp/out" && ok "stats lists counters" || { not_ok "stats lists counters"; cat "$tmp/out"; }
[ "$(stat -c %a "$tmp/d/stats.sock")" = 600 ] && ok "stats socket is 0600" || not_ok "stats socket is 0600"

check "ping" "$client" ping "$address" --count 3
grep -q "relay key verified" "$tmp/out" && grep -q "3 pings answered" "$tmp/out" && ok "ping reports" || not_ok "ping reports"

check "stats after ping" "$relay" stats --data "$tmp/d"
grep -qx 'handshakes 1' "$tmp/out" && grep -qx 'accepted 1' "$tmp/out" && ok "stats count the ping" || { not_ok "stats count the ping"; cat "$tmp/out"; }

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
[ ! -e "$tmp/d/stats.sock" ] && ok "stats socket removed at exit" || not_ok "stats socket removed at exit"
check_status "stats of a stopped relay" 1 "no relay is running with data in $tmp/d" "$relay" stats --data "$tmp/d"
# Even at debug level the log names no peer: only the listening line
# may mention an address, and it is the relay's own.
if grep -v 'listening on' "$tmp/relay.log" | grep -q '127\.0\.0\.1'; then
	not_ok "no addresses in the relay log"; cat "$tmp/relay.log"
else ok "no addresses in the relay log"; fi
grep -q 'closed' "$tmp/relay.log" && ok "debug log records connections" || not_ok "debug log records connections"
check_fails "ping a stopped relay" "connection refused" "$client" ping "$address"

# A damaged database is named clearly by check and by run, never a crash.
cp "$tmp/d/relay.db" "$tmp/relay.db.good"
printf 'this is not a database, not at all' >"$tmp/d/relay.db"
check_status "check finds a damaged database" 1 "relay.db is not a database or is damaged" "$relay" check --data "$tmp/d"
check_status "run refuses a damaged database" 1 "relay.db is not a database or is damaged" "$relay" run --data "$tmp/d" --listen 127.0.0.1:0
cp "$tmp/relay.db.good" "$tmp/d/relay.db"
check "check after restore" "$relay" check --data "$tmp/d"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
