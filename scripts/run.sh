#!/bin/sh
# SPDX-License-Identifier: ISC
#
# make run: start a local relay (data in ./run-data/relay, made on first
# run) on 127.0.0.1, then run the client against it. Until the chat
# interface lands, the client checks the relay: handshake, pinned key, pings.
# usage: scripts/run.sh BUILD_DIR
set -eu
build=${1:-build}
relay="$build/relay/hearth-relay"
client="$build/client/hearth"
data=run-data/relay

mkdir -p run-data
chmod 700 run-data
if [ ! -f "$data/relay.key" ]; then
	"$relay" init --data "$data" >/dev/null
fi

portfile=$(mktemp)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$portfile"
}
trap cleanup EXIT INT TERM

# The default port if it is free, else any free port.
for listen in 127.0.0.1:7483 127.0.0.1:0; do
	: >"$portfile"
	"$relay" run --data "$data" --listen "$listen" >"$portfile" &
	pid=$!
	i=0
	while [ ! -s "$portfile" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$portfile" ] && break
	wait "$pid" 2>/dev/null || true
	pid=
done
[ -n "${pid:-}" ] || { echo "run.sh: the relay did not start" >&2; exit 1; }
port=$(head -n 1 "$portfile")
address=$("$relay" address --data "$data" --listen "127.0.0.1:$port")

echo "relay address: $address"
"$client" ping "$address" --count 5

if [ -t 0 ]; then
	echo "The relay keeps running at $address; press Ctrl-C to stop it."
	wait "$pid"
fi
