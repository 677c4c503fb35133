#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Rooms and direct messages end to end: three personas (ana, ben, cat),
# each in its own headless client and store, on two real relays on
# loopback. Room chat in order, a member on two relays at once, a direct
# message that starts while its reader is offline, catch-up after a
# restart, exactly-once delivery across a sender killed with SIGKILL right
# after sending, disappearing messages gone from history and store, and a
# store file that shows no name or text.
# A fourth member connects through a real SOCKS5 proxy (Debian's
# microsocks), whose log shows the connection.
# usage: test-rooms.sh HEARTH HEARTH-RELAY MICROSOCKS
set -u
client=$1
relay=$2
microsocks=${3:-microsocks}
tmp=$(mktemp -d)
passed=0
failed=0
pids=
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	exec 4>&- 5>&- 6>&- 7>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HEARTH_PASSPHRASE='rooms test passphrase'

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
count() { grep -cF -- "$2" "$1" 2>/dev/null || true; }
# wait_for FILE PATTERN [COUNT]: until FILE has COUNT lines with PATTERN
# (fixed string), 15 s at most.
wait_for() {
	want=${3:-1}
	i=0
	while [ "$(count "$1" "$2")" -lt "$want" ] && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(count "$1" "$2")" -ge "$want" ]
}
check() { # check NAME FILE PATTERN [COUNT]
	if wait_for "$2" "$3" "${4:-1}"; then ok "$1"; else
		not_ok "$1"; echo "# wanted $3 in $2:"; sed 's/^/#   /' "$2"; fi
}
exactly() { # exactly NAME FILE PATTERN COUNT (now, no waiting)
	n=$(count "$2" "$3")
	if [ "$n" -eq "$4" ]; then ok "$1"; else
		not_ok "$1 ($n times)"; sed 's/^/#   /' "$2"; fi
}

start_relay() { # start_relay NAME [PORT]: data in $tmp/NAME, address in $tmp/NAME.addr
	"$relay" init --data "$tmp/$1" >/dev/null 2>&1
	"$relay" run --data "$tmp/$1" --listen "127.0.0.1:${2:-0}" >"$tmp/$1.port" 2>>"$tmp/$1.log" &
	eval "rpid_$1=$!"
	pids="$pids $!"
	i=0
	while [ ! -s "$tmp/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -n "${2:-}" ] ||
		"$relay" address --data "$tmp/$1" --listen "127.0.0.1:$(head -n 1 "$tmp/$1.port")" >"$tmp/$1.addr"
}

# Each client reads a FIFO held open on a fixed descriptor: ana 4, ben 5,
# cat 6. Its events go to $tmp/NAME.ev (appended across restarts).
fd_of() { case $1 in ana) echo 4 ;; ben) echo 5 ;; cat) echo 6 ;; dan) echo 7 ;; esac; }
start() { # start NAME [ARGS...]
	n=$1
	shift
	rm -f "$tmp/$n.in"
	mkfifo "$tmp/$n.in"
	"$client" --headless --home "$tmp/$n" "$@" <"$tmp/$n.in" >>"$tmp/$n.ev" 2>>"$tmp/$n.err" &
	eval "pid_$n=$!"
	pids="$pids $!"
	eval "exec $(fd_of "$n")>\"\$tmp/\$n.in\""
}
send() { # send NAME LINE
	printf '%s\n' "$2" >&"$(fd_of "$1")"
}
stop() { # stop NAME: /quit and wait for it to end
	send "$1" /quit
	eval "exec $(fd_of "$1")>&-"
	eval "wait \$pid_$1"
}
kill9() { # kill9 NAME: SIGKILL, no goodbye
	eval "kill -9 \$pid_$1"
	eval "exec $(fd_of "$1")>&-"
	eval "wait \$pid_$1" 2>/dev/null
}
field() { # field FILE EVENT-PATTERN KEY: KEY's string value in the last match
	grep -F -- "$2" "$1" | tail -n 1 | sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p"
}

start_relay r1
start_relay r2
r1=$(cat "$tmp/r1.addr")
r2=$(cat "$tmp/r2.addr")

for n in ana ben cat; do start $n; send $n "/persona new $n"; done
send ana "/relay $r1"
send ben "/relay $r2"
send cat "/relay $r1"
check "ana ready on relay 1" "$tmp/ana.ev" '"state":"ready"'
check "ben ready on relay 2" "$tmp/ben.ev" '"state":"ready"'
for n in ana ben cat; do wait_for "$tmp/$n.ev" '"action":"created"' >/dev/null; done
ana_id=$(field "$tmp/ana.ev" '"event":"persona"' id)
ben_id=$(field "$tmp/ben.ev" '"event":"persona"' id)
cat_id=$(field "$tmp/cat.ev" '"event":"persona"' id)

# ana makes a room on relay 1; ben (whose own relay is relay 2) and cat join.
send ana "/room new circle"
check "room created with an invite" "$tmp/ana.ev" '"action":"created","room":"circle"'
invite=$(field "$tmp/ana.ev" '"action":"created"' invite)
case $invite in hearth-invite:*) ok "invite string" ;; *) not_ok "invite string ($invite)" ;; esac
send ben "/join $invite circle"
check "ben joined" "$tmp/ben.ev" '"action":"joined","room":"circle"'
check "ben on two relays at once" "$tmp/ben.ev" '"state":"ready"' 2
send cat "/join $invite"
check "cat joined under a default name" "$tmp/cat.ev" '"event":"room","action":"joined","room":"room-'
catroom=$(field "$tmp/cat.ev" '"event":"room","action":"joined"' room)

# Everyone learns everyone, with their sender keys.
check "ana sees ben with his key" "$tmp/ana.ev" "\"event\":\"member\",\"action\":\"joined\",\"room\":\"circle\",\"id\":\"$ben_id\""
check "ana sees cat" "$tmp/ana.ev" "\"room\":\"circle\",\"id\":\"$cat_id\""
check "cat sees ben" "$tmp/cat.ev" "\"id\":\"$ben_id\""
# Sessions started from bundles the relay handed out (with one-time
# prekeys the members published there).
stat_of() { "$relay" stats --data "$tmp/$1" 2>/dev/null | sed -n "s/^$2 //p"; }
[ "$(stat_of r1 prekey_publishes)" -ge 3 ] && ok "every member published prekeys" ||
    not_ok "every member published prekeys ($(stat_of r1 prekey_publishes))"
[ "$(stat_of r1 prekey_fetches)" -ge 3 ] && ok "sessions began with prekey_get" ||
    not_ok "sessions began with prekey_get ($(stat_of r1 prekey_fetches))"

# Room chat, in order, seen by the others and not echoed to the sender.
for k in 1 2 3 4 5; do send ana "/say circle line $k from ana"; done
check "ben got all five" "$tmp/ben.ev" '"text":"line 5 from ana"'
check "cat got all five" "$tmp/cat.ev" '"text":"line 5 from ana"'
order=$(grep -o '"text":"line [0-9] from ana"' "$tmp/ben.ev" | tr -d '\n')
[ "$order" = '"text":"line 1 from ana""text":"line 2 from ana""text":"line 3 from ana""text":"line 4 from ana""text":"line 5 from ana"' ] &&
    ok "in the order sent" || not_ok "in the order sent ($order)"
check "delivered reports for ana" "$tmp/ana.ev" '"event":"delivered","room":"circle"' 5
exactly "no echo to the sender" "$tmp/ana.ev" '"from ana","id"' 0
grep -F '"text":"line 1 from ana"' "$tmp/ben.ev" | grep -qF "\"from\":\"$ana_id\"" &&
    ok "sender shown as name#fingerprint" || not_ok "sender shown as name#fingerprint"
# By now every member holds every other member's sender key.
for n in ana ben cat; do
	if [ $n = cat ]; then r=$catroom; else r=circle; fi
	send $n "/members $r"
	check "$n lists three members with keys" "$tmp/$n.ev" '"action":"listed","room":"'"$r"'","id":' 3
	k=$(grep -F '"action":"listed"' "$tmp/$n.ev" | grep -cF '"key":false' || true)
	[ "$k" -eq 0 ] && ok "$n holds every key" || not_ok "$n holds every key ($k missing)"
done
send cat "/say $catroom hello from cat"
check "ana reads cat" "$tmp/ana.ev" '"text":"hello from cat"'
check "ben reads cat" "$tmp/ben.ev" '"text":"hello from cat"'

# A second room, on relay 2 (ben's own relay, the default for /room new):
# cat is then on both relays at once.
send ben "/room new north"
check "north made on relay 2" "$tmp/ben.ev" '"action":"created","room":"north","relay":"'"$r2"'"'
invite2=$(field "$tmp/ben.ev" '"action":"created","room":"north"' invite)
send cat "/join $invite2 north"
check "cat joined north" "$tmp/cat.ev" '"action":"joined","room":"north"'
check "cat on two relays at once" "$tmp/cat.ev" '"state":"ready"' 2
check "ben sees cat in north" "$tmp/ben.ev" '"member","action":"joined","room":"north","id":"'"$cat_id"'"'
send cat "/say north up north"
check "ben reads north" "$tmp/ben.ev" '"room":"north","from":"'"$cat_id"'","text":"up north"'
send ben "/say north and back"
check "cat reads north" "$tmp/cat.ev" '"room":"north","from":"'"$ben_id"'","text":"and back"'
exactly "ana is not in north" "$tmp/ana.ev" '"room":"north"' 0

# dan joins through a real SOCKS5 proxy; microsocks logs the connection.
msport=
for try in 1 2 3 4 5; do
	p=$((20000 + ($$ * 7 + try * 131) % 30000))
	"$microsocks" -i 127.0.0.1 -p "$p" >"$tmp/microsocks.log" 2>&1 &
	mspid=$!
	sleep 0.2
	if kill -0 "$mspid" 2>/dev/null; then msport=$p; pids="$pids $mspid"; break; fi
done
[ -n "$msport" ] && ok "microsocks runs" || not_ok "microsocks runs ($microsocks)"
start dan --proxy "socks5://127.0.0.1:$msport"
send dan "/persona new dan"
send dan "/join $invite"
check "dan joins through the proxy" "$tmp/dan.ev" '"state":"ready"'
check "the proxy carried it to relay 1" "$tmp/microsocks.log" "connected to 127.0.0.1:$(head -n 1 "$tmp/r1.port")"
dan_id=$(field "$tmp/dan.ev" '"event":"persona"' id)
check "ana sees dan" "$tmp/ana.ev" "\"room\":\"circle\",\"id\":\"$dan_id\""
send dan "/say $(field "$tmp/dan.ev" '"action":"joined"' room) hello through tor, so to speak"
check "ana reads dan" "$tmp/ana.ev" '"text":"hello through tor, so to speak"'
stop dan

# A direct message to cat while cat is offline.
stop cat
send ana "/dm $cat_id are you safe tonight?"
send ana "/alert circle police cars at the north corner, stay away"
check "ben gets the urgent alert at once" "$tmp/ben.ev" "{\"event\":\"urgent\",\"room\":\"circle\",\"from\":\"$ana_id\",\"text\":\"police cars at the north corner, stay away\""

check "the DM reached cat's mailbox" "$tmp/ana.ev" "\"event\":\"delivered\",\"peer\":\"$cat_id\""
start cat
check "cat, back, sees the urgent alert" "$tmp/cat.ev" '"event":"urgent","room":"'"$catroom"'","from":"'"$ana_id"'","text":"police cars at the north corner, stay away"'
check "cat reads it after starting" "$tmp/cat.ev" "\"peer\":\"$ana_id\",\"from\":\"$ana_id\",\"text\":\"are you safe tonight?\""
send cat "/dm $ana_id yes, thank you"
check "cat answers" "$tmp/ana.ev" '"text":"yes, thank you"'

# At most three alerts an hour from one member.
send ana "/alert circle second alert"
send ana "/alert circle third alert"
send ana "/alert circle fourth alert"
check "the fourth is refused" "$tmp/ana.ev" '{"event":"error","command":"/alert","reason":"you sent three alerts in the last hour'
check "ben got the third" "$tmp/ben.ev" '"event":"urgent","room":"circle","from":"'"$ana_id"'","text":"third alert"'
[ "$(grep -c '"event":"urgent"' "$tmp/ben.ev")" -eq 3 ] && ok "and no more" || not_ok "and no more ($(grep -c '"event":"urgent"' "$tmp/ben.ev"))"

# Catch-up: ben is away while the room talks.
stop ben
send ana "/say circle while you were away"
check "sent while ben is away" "$tmp/ana.ev" '"event":"delivered","room":"circle"' 6
start ben
check "ben catches up from the room log" "$tmp/ben.ev" '"text":"while you were away"'
exactly "and sees the old lines only once" "$tmp/ben.ev" '"text":"line 3 from ana"' 1

# Exactly once across SIGKILL right after sending.
send ana "/say circle killed right after"
wait_for "$tmp/ana.ev" '"event":"sent"' 7 >/dev/null
kill9 ana
start ana
check "ben gets the message sent before the kill" "$tmp/ben.ev" '"text":"killed right after"'
check "cat gets it too" "$tmp/cat.ev" '"text":"killed right after"'
send ana "/say circle after the restart"
check "ana talks on after the restart" "$tmp/ben.ev" '"text":"after the restart"'
exactly "ben saw it exactly once" "$tmp/ben.ev" '"text":"killed right after"' 1
exactly "cat saw it exactly once" "$tmp/cat.ev" '"text":"killed right after"' 1

# The same with the relay down: the message waits in the outbox, which
# survives the kill, and goes out once both are back.
r1port=$(head -n 1 "$tmp/r1.port")
kill "$rpid_r1"
wait "$rpid_r1" 2>/dev/null
check "ana sees relay 1 go" "$tmp/ana.ev" '"state":"offline"'
send ana "/say circle queued while the relay was down"
wait_for "$tmp/ana.ev" '"event":"sent"' 9 >/dev/null
kill9 ana
start_relay r1 "$r1port"
start ana
check "ben gets the queued message" "$tmp/ben.ev" '"text":"queued while the relay was down"'
check "cat gets it too" "$tmp/cat.ev" '"text":"queued while the relay was down"'
exactly "ben saw the queued one once" "$tmp/ben.ev" '"text":"queued while the relay was down"' 1

# Disappearing messages: ben keeps history for the room with a 2 s timer.
send ben "/history circle on"
send ben "/expire circle 2"
check "timer set" "$tmp/ben.ev" '"setting":"expire","history":true,"expire_s":2'
send ana "/say circle this will vanish"
check "ben reads it" "$tmp/ben.ev" '"text":"this will vanish"'
send ben "/history circle"
check "kept in history for now" "$tmp/ben.ev" '"text":"this will vanish","id"' 2
grep -F '"text":"this will vanish"' "$tmp/ben.ev" | grep -q '"expires":[1-9]' &&
    ok "with its expiry time" || not_ok "with its expiry time"
check "deleted on schedule" "$tmp/ben.ev" '"event":"expired","count":1'
send ben "/history circle"
send ben "/rooms"
wait_for "$tmp/ben.ev" '"action":"listed"' >/dev/null
exactly "never shown again" "$tmp/ben.ev" '"text":"this will vanish"' 2

# /verify shows the same safety number on both sides.
send ana "/verify $ben_id"
send ben "/verify $ana_id yes"
check "ana's safety number" "$tmp/ana.ev" '"event":"verify"'
check "ben's safety number" "$tmp/ben.ev" '"event":"verify"'
sa=$(field "$tmp/ana.ev" '"event":"verify"' safety_number)
sb=$(field "$tmp/ben.ev" '"event":"verify"' safety_number)
[ -n "$sa" ] && [ "$sa" = "$sb" ] && ok "the same number on both sides" || not_ok "the same number ($sa / $sb)"
check "ben marked ana verified" "$tmp/ben.ev" '"event":"verify","peer":"'"$ana_id"'","safety_number":"'"$sb"'","words":'

# Errors name the command and the reason.
send ana "/say nowhere hello"
check "unknown room" "$tmp/ana.ev" '{"event":"error","command":"/say","reason":"no room with that name"}'
send ana "/dm nobody#AAAAAAAA hello"
check "unknown contact" "$tmp/ana.ev" '"command":"/dm","reason":"no contact by that name#FINGERPRINT'
send ana "/join hearth-invite:nonsense"
check "bad invite" "$tmp/ana.ev" '"command":"/join","reason":"that is not an invite'
send ana "/join $invite"
check "joining twice" "$tmp/ana.ev" '"command":"/join","reason":"you are already in that room"'
send ana "/expire circle soon"
check "bad timer" "$tmp/ana.ev" '"command":"/expire","reason":"give a number of seconds'

# Leaving: the room is gone from the list and its relay link closes.
send cat "/leave $catroom"
check "cat left" "$tmp/cat.ev" '"event":"room","action":"left"'
send cat "/say $catroom still here?"
check "no such room after leaving" "$tmp/cat.ev" '"command":"/say","reason":"no room with that name"'

# Back in with the same invite: a new sender key both ways.
send cat "/join $invite again"
check "cat rejoined" "$tmp/cat.ev" '"action":"joined","room":"again"'
check "ana sees cat announce again" "$tmp/ana.ev" "\"member\",\"action\":\"joined\",\"room\":\"circle\",\"id\":\"$cat_id\"" 2
send ana "/say circle welcome back"
check "cat reads the room again" "$tmp/cat.ev" '"room":"again","from":"'"$ana_id"'","text":"welcome back"'
send cat "/say again glad to be back"
check "ana reads cat's new key" "$tmp/ana.ev" '"text":"glad to be back"'
check "ben too" "$tmp/ben.ev" '"text":"glad to be back"'

# A relay that is down blocks nothing else: with relay 2 gone, ben (whose
# own relay it is) still talks in the room on relay 1.
kill "$rpid_r2"
wait "$rpid_r2" 2>/dev/null
check "ben sees relay 2 go" "$tmp/ben.ev" '"state":"offline"'
send ben "/say circle relay 2 is down and I am still here"
check "ana reads ben through relay 1" "$tmp/ana.ev" '"text":"relay 2 is down and I am still here"'

# Another persona on the same client shares nothing: no rooms, no link.
send ana "/persona new other"
send ana "/persona use other"
check "switched persona" "$tmp/ana.ev" '"action":"using","name":"other"'
send ana "/relay"
check "the new persona has no relay link" "$tmp/ana.ev" '"reason":"this persona has no relay; /relay ADDRESS sets one"'
send ana "/say circle from the wrong persona"
check "nor the other's rooms" "$tmp/ana.ev" '{"event":"error","command":"/say","reason":"no room with that name"}' 2
send ana "/persona use ana"
send ben "/say circle back to ana"
check "ana's own persona reconnects and reads on" "$tmp/ana.ev" '"text":"back to ana"'

for n in ana ben cat; do stop $n; done
# Nothing readable in the stores: names, room names, texts.
for n in ana ben cat; do
	for w in circle "line 1 from ana" "are you safe" "while you were away" "$n"; do
		if cat "$tmp/$n/hearth.db"* | grep -qaF -- "$w"; then
			not_ok "$n's store shows '$w'"
		else
			ok "$n's store hides '$w'"
		fi
	done
done
# A damaged store gives a clear error and no crash; the original is fine.
cp -r "$tmp/cat" "$tmp/cat-damaged"
rm -f "$tmp/cat-damaged/hearth.db-wal" "$tmp/cat-damaged/hearth.db-shm"
size=$(stat -c %s "$tmp/cat-damaged/hearth.db")
# Everything after SQLite's 100-byte header.
dd if=/dev/urandom of="$tmp/cat-damaged/hearth.db" bs=100 seek=1 count=$((size / 100)) conv=notrunc 2>/dev/null
echo /rooms | "$client" --headless --home "$tmp/cat-damaged" >"$tmp/damaged.out" 2>&1
code=$?
grep -qF '"reason":"hearth.db is' "$tmp/damaged.out" && [ $code -ne 0 ] && [ $code -lt 128 ] &&
    ok "a damaged store is refused plainly (exit $code)" ||
    { not_ok "a damaged store is refused plainly (exit $code)"; cat "$tmp/damaged.out"; }
head -c "$((size / 3))" "$tmp/cat/hearth.db" >"$tmp/cat-damaged/hearth.db"
echo /rooms | "$client" --headless --home "$tmp/cat-damaged" >"$tmp/damaged.out" 2>&1
code=$?
grep -qF '"event":"error"' "$tmp/damaged.out" && [ $code -ne 0 ] && [ $code -lt 128 ] &&
    ok "a truncated store is refused plainly (exit $code)" ||
    { not_ok "a truncated store is refused plainly (exit $code)"; cat "$tmp/damaged.out"; }

# The relays log no client address: 127.0.0.1 only where they listen.
if grep -F '127.0.0.1' "$tmp/r1.log" "$tmp/r2.log" | grep -vqF 'listening on'; then
	not_ok "relay logs hold client addresses"
else
	ok "relay logs hold no client addresses"
fi

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
