#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Headless mode with a real relay on loopback: /relay connects the persona
# in use and claims its mailbox (the relay's stats see it), a relay restart
# is ridden out on the reconnect schedule, the next start connects by
# itself, and bad or onion addresses are refused before any connection.
# usage: test-headless-relay.sh HEARTH HEARTH-RELAY
set -u
client=$1
relay=$2
tmp=$(mktemp -d)
home="$tmp/home"
passed=0
failed=0
rpid=
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	exec 9>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HEARTH_PASSPHRASE='relay test passphrase'

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
# wait_for FILE PATTERN [COUNT]: until FILE has COUNT lines with PATTERN
# (fixed string), 10 s at most.
wait_for() {
	want=${3:-1}
	i=0
	while [ "$(grep -cF -- "$2" "$1" 2>/dev/null || true)" -lt "$want" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(grep -cF -- "$2" "$1" 2>/dev/null || true)" -ge "$want" ]
}
start_relay() { # start_relay LISTEN: runs the relay, sets rpid and port
	: >"$tmp/port"
	"$relay" run --data "$tmp/r" --listen "$1" >"$tmp/port" 2>"$tmp/relay.log" 9>&- &
	rpid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(head -n 1 "$tmp/port")
}
stat_of() { "$relay" stats --data "$tmp/r" 2>/dev/null | sed -n "s/^$1 //p"; }

"$relay" init --data "$tmp/r" >/dev/null 2>&1
start_relay 127.0.0.1:0
address=$("$relay" address --data "$tmp/r" --listen "127.0.0.1:$port")

# A persona with no relay makes no connection.
printf '/persona new ana\n/relay\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"reason":"this persona has no relay; /relay ADDRESS sets one"' "$tmp/out" && ok "no relay, no connection" || { not_ok "no relay, no connection"; cat "$tmp/out"; }
[ "$(stat_of accepted)" = 0 ] && ok "the relay saw nothing" || not_ok "the relay saw nothing ($(stat_of accepted))"

printf '/relay hearth://nonsense\n/relay hearth://%s@abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion:7483\n' \
    "$(echo "$address" | sed 's|hearth://\([^@]*\)@.*|\1|')" |
    "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"reason":"that is not a relay address' "$tmp/out" && ok "bad address refused" || { not_ok "bad address refused"; cat "$tmp/out"; }
grep -qF '"reason":"a .onion relay needs a proxy (Tor): /proxy or --proxy"' "$tmp/out" && ok "onion needs a proxy" || { not_ok "onion needs a proxy"; cat "$tmp/out"; }

# Connect, claim the mailbox; keep the client running on a FIFO.
mkfifo "$tmp/in"
"$client" --headless --home "$home" <"$tmp/in" >"$tmp/events" 2>&1 &
cpid=$!
exec 9>"$tmp/in"
printf '/relay %s\n' "$address" >&9
wait_for "$tmp/events" '"state":"ready"' && ok "connected and mailbox claimed" || { not_ok "connected and mailbox claimed"; cat "$tmp/events"; }
grep -qF "{\"event\":\"relay\",\"state\":\"connecting\",\"host\":\"127.0.0.1\",\"port\":$port}" "$tmp/events" && ok "connecting reported" || not_ok "connecting reported"
grep -qF '"state":"ready","host":"127.0.0.1","port":'"$port"',"waiting":0' "$tmp/events" && ok "ready with the mailbox count" || not_ok "ready with the mailbox count"
[ "$(stat_of mailboxes_online)" = 1 ] && ok "the relay sees one mailbox owner" || not_ok "the relay sees one mailbox owner"

# The relay goes away and comes back on the same port.
kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=
wait_for "$tmp/events" '"state":"offline"' && ok "offline reported" || { not_ok "offline reported"; cat "$tmp/events"; }
grep -q '"state":"offline".*"retry_ms":[0-9]' "$tmp/events" && ok "with the next attempt's delay" || not_ok "with the next attempt's delay"
start_relay "127.0.0.1:$port"
wait_for "$tmp/events" '"state":"ready"' 2 && ok "reconnected by itself" || { not_ok "reconnected by itself"; cat "$tmp/events"; }
printf '/relay\n' >&9
wait_for "$tmp/events" '"event":"relay","state":"ready","host":"127.0.0.1"' 3 && ok "/relay shows the state" || not_ok "/relay shows the state"
exec 9>&-
wait "$cpid"; st=$?; cpid=
[ "$st" = 0 ] && ok "clean exit at the end of input" || not_ok "clean exit at the end of input ($st)"
tail -n 1 "$tmp/events" | grep -qx '{"event":"bye"}' && ok "bye last" || not_ok "bye last"

# The next start connects the persona in use by itself.
mkfifo "$tmp/in2"
"$client" --headless --home "$home" <"$tmp/in2" >"$tmp/events2" 2>&1 &
cpid=$!
exec 9>"$tmp/in2"
wait_for "$tmp/events2" '"state":"ready"' && ok "the relay is remembered" || { not_ok "the relay is remembered"; cat "$tmp/events2"; }
exec 9>&-
wait "$cpid"; cpid=
if grep -v 'listening on' "$tmp/relay.log" | grep -q '127\.0\.0\.1'; then not_ok "no address in the relay log"; else ok "no address in the relay log"; fi

# An onion relay set through a proxy, then a start without the proxy:
# said to be unusable, and no attempt is made. The proxy's password does
# not stay in the process's command line.
onion="hearth://$(echo "$address" | sed 's|hearth://\([^@]*\)@.*|\1|')@abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion:7483"
mkfifo "$tmp/in3"
"$client" --headless --home "$home" --proxy socks5://hearth:s3cretpw@127.0.0.1:9 <"$tmp/in3" >"$tmp/events3" 2>&1 &
cpid=$!
exec 9>"$tmp/in3"
printf '/relay %s\n' "$onion" >&9
wait_for "$tmp/events3" '"state":"offline"' && ok "onion through a proxy is tried" || { not_ok "onion through a proxy is tried"; cat "$tmp/events3"; }
if tr '\0' ' ' </proc/$cpid/cmdline | grep -q s3cretpw; then not_ok "proxy password wiped from the command line"; else ok "proxy password wiped from the command line"; fi
exec 9>&-
wait "$cpid"; cpid=
printf '/relay\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"state":"unusable"' "$tmp/out" && grep -qF '.onion relay needs --proxy' "$tmp/out" && ok "onion without the proxy: unusable, said why" || { not_ok "onion without the proxy: unusable, said why"; cat "$tmp/out"; }
grep -qF '"state":"offline"' "$tmp/out" && not_ok "no retry without the proxy" || ok "no retry without the proxy"

# /proxy keeps the proxy in the store (encrypted): the next start uses it
# without --proxy, and /proxy off stops it.
printf '/proxy socks5://who:st0redpw@127.0.0.1:9\n/proxy\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"setting":"proxy","host":"127.0.0.1","port":9,"from_flag":false' "$tmp/out" && ok "/proxy set and shown" || { not_ok "/proxy set and shown"; cat "$tmp/out"; }
grep -qF '"state":"connecting","host":"abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"' "$tmp/out" && ok "the onion relay is tried through it at once" || { not_ok "the onion relay is tried through it at once"; cat "$tmp/out"; }
cat "$home"/hearth.db* | grep -qa 'st0redpw' && not_ok "the proxy password is not in the store file" || ok "the proxy password is not in the store file"
printf '/relay\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
if ! grep -qF '"state":"unusable"' "$tmp/out" &&
    grep -qF '"state":"connecting","host":"abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"' "$tmp/out"; then
	ok "the stored proxy is used on the next start"
else
	not_ok "the stored proxy is used on the next start"; cat "$tmp/out"
fi
printf '/proxy off\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"setting":"proxy","host":null' "$tmp/out" && grep -qF '"state":"unusable"' "$tmp/out" && ok "/proxy off: the onion relay is unusable again" || { not_ok "/proxy off"; cat "$tmp/out"; }
printf '/proxy http://127.0.0.1:9\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
grep -qF '"command":"/proxy","reason":"that is not a proxy address' "$tmp/out" && ok "a bad proxy URL is refused" || { not_ok "a bad proxy URL is refused"; cat "$tmp/out"; }

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
