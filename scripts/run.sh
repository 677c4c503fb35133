#!/bin/sh
# SPDX-License-Identifier: ISC
#
# make run: start a local relay (data in ./run-data/relay, made on first
# run) on 127.0.0.1, check it (handshake, pinned key, pings), then, in a
# terminal, open the chat interface on a demo store in ./run-data/client,
# in a demo room where a guide persona greets you.
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

# Interactive: the chat interface on a demo store in run-data/client,
# connected to this relay, in a demo room with a guide (a second persona in
# its own store, run-data/guide, that greets whoever joins).
if [ -t 0 ]; then
	home=run-data/client
	guide=run-data/guide
	first=
	[ -f "$home/hearth.db" ] || first=1
	gfirst=
	[ -f "$guide/hearth.db" ] || gfirst=1
	# The guide's store is a demo's: its passphrase is no secret.
	gfifo=$(mktemp -u)
	mkfifo "$gfifo"
	HEARTH_PASSPHRASE='hearth demo guide' "$client" --headless --home "$guide" \
	    <"$gfifo" >run-data/guide.events 2>&1 &
	gpid=$!
	exec 8>"$gfifo"
	rm -f "$gfifo"
	if [ -n "$gfirst" ]; then
		printf '/persona new guide\n/relay %s\n/room new demo\n/invite demo\n' "$address" >&8
	else
		printf '/invite demo\n' >&8
	fi
	i=0
	while ! grep -q '"invite":"' run-data/guide.events && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	invite=$(grep -o '"invite":"[^"]*"' run-data/guide.events | tail -n 1 | cut -d'"' -f4)
	# The guide greets each newcomer once its key has gone out.
	tail -n 0 -f run-data/guide.events 2>/dev/null | while IFS= read -r line; do
		case $line in
		*'"event":"member","action":"joined"'*)
			sleep 1
			printf '/say demo Welcome. This room is end-to-end encrypted: type a message and press Enter. F1 shows the keys, /help the commands.\n' >&8 ;;
		esac
	done &
	tpid=$!
	trap 'kill "$tpid" "$gpid" 2>/dev/null; cleanup' EXIT INT TERM
	echo
	[ -n "$first" ] && echo "This makes a new encrypted store in $home."
	echo "Opening the interface: F1 shows the keys, /quit leaves."
	echo "A second client on this relay: build/client/hearth --home /tmp/second"
	echo "then /persona new NAME, /relay $address, /join INVITE (from /invite demo)."
	if [ -n "$first" ]; then
		# Set up once, headless: a persona on this relay, in the room.
		# The passphrase goes to that one command only, never exported.
		saved=$(stty -g)
		trap 'stty "$saved"; kill "$tpid" "$gpid" 2>/dev/null; cleanup' EXIT INT TERM
		printf 'Choose a passphrase for the new store (you type it again to open it): '
		stty -echo
		IFS= read -r pp
		stty "$saved"
		echo
		{
			printf '/persona new me\n/relay %s\n' "$address"
			[ -n "$invite" ] && printf '/join %s demo\n' "$invite"
		} | HEARTH_PASSPHRASE=$pp "$client" --headless --home "$home" >/dev/null
		pp=
	fi
	# The interface asks for the passphrase itself.
	"$client" --home "$home"
	printf '/quit\n' >&8
	exec 8>&-
fi
