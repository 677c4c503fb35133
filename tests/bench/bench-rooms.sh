#!/bin/sh
# SPDX-License-Identifier: ISC
#
# End to end through the whole client: one headless member sends N room
# messages as fast as it can take them (each encrypted with its sender
# key, stored in its outbox with one store commit, published) and another
# reads them (each decrypted, its chain and the room's last number stored
# with one commit). Prints the rate at which the reader sees them, and
# the sender's rate to 'delivered'. Loopback only; N messages, once.
# usage: bench-rooms.sh HEARTH HEARTH-RELAY N
set -eu
client=$1
relay=$2
n=${3:-500}
tmp=$(mktemp -d)
rpid=
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	exec 4>&- 5>&- 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export HEARTH_PASSPHRASE='bench passphrase'
count() { grep -cF -- "$2" "$1" 2>/dev/null || true; }
wait_for() { # FILE PATTERN COUNT TENTHS
	i=0
	while [ "$(count "$1" "$2")" -lt "$3" ] && [ $i -lt "$4" ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ "$(count "$1" "$2")" -ge "$3" ]
}
now_ms() { date +%s%3N; }

"$relay" init --data "$tmp/r" >/dev/null 2>&1
"$relay" run --data "$tmp/r" --listen 127.0.0.1:0 >"$tmp/port" 2>/dev/null &
rpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
address=$("$relay" address --data "$tmp/r" --listen "127.0.0.1:$(head -n 1 "$tmp/port")")

mkfifo "$tmp/a.in" "$tmp/b.in"
"$client" --headless --home "$tmp/a" <"$tmp/a.in" >"$tmp/a.ev" 2>&1 &
exec 4>"$tmp/a.in"
"$client" --headless --home "$tmp/b" <"$tmp/b.in" >"$tmp/b.ev" 2>&1 &
exec 5>"$tmp/b.in"
printf '/persona new ana\n/relay %s\n/room new bench\n' "$address" >&4
wait_for "$tmp/a.ev" '"action":"created"' 1 200
invite=$(grep -o '"invite":"[^"]*"' "$tmp/a.ev" | head -n 1 | cut -d'"' -f4)
printf '/persona new ben\n/relay %s\n/join %s bench\n' "$address" "$invite" >&5
# Keys both ways before the clock starts.
wait_for "$tmp/a.ev" '"event":"member","action":"joined"' 1 400
printf '/say bench warm up\n' >&4
wait_for "$tmp/b.ev" '"text":"warm up"' 1 400

start=$(now_ms)
i=1
while [ $i -le "$n" ]; do
	echo "/say bench message number $i"
	i=$((i + 1))
done >&4
wait_for "$tmp/b.ev" '"text":"message number ' "$n" 1200 || true
read_ms=$(($(now_ms) - start))
wait_for "$tmp/a.ev" '"event":"delivered"' $((n + 1)) 1200 || true
sent_ms=$(($(now_ms) - start))
got=$(count "$tmp/b.ev" '"text":"message number ')
echo "bench: rooms end-to-end n=$n read=$got read_ms=$read_ms read_per_s=$((got * 1000 / (read_ms + 1))) delivered_ms=$sent_ms"
printf '/quit\n' >&4
printf '/quit\n' >&5
