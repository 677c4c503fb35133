#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The safety timer end to end: two headless clients (ana, who sets
# timers, and her buddy ben) on a real relay on loopback. The alert goes
# out after ana's client was killed with SIGKILL; /safe cancels it; /timer
# +N moves it; it goes out across a relay restart; each alert comes once.
# usage: test-timer.sh HEARTH HEARTH-RELAY
set -u
client=$1
relay=$2
tmp=$(mktemp -d)
passed=0
failed=0
pids=
rpid=
cleanup() {
	for p in $pids $rpid; do kill -9 "$p" 2>/dev/null; done
	exec 4>&- 5>&- 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HEARTH_PASSPHRASE='timer test passphrase'

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
count() { grep -cF -- "$2" "$1" 2>/dev/null || true; }
wait_for() { # FILE PATTERN [COUNT] [TENTHS]: 15 s unless TENTHS says
	want=${3:-1}
	i=0
	while [ "$(count "$1" "$2")" -lt "$want" ] && [ $i -lt "${4:-150}" ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(count "$1" "$2")" -ge "$want" ]
}
check() { # NAME FILE PATTERN [COUNT]
	if wait_for "$2" "$3" "${4:-1}"; then ok "$1"; else
		not_ok "$1"; echo "# wanted $3 in $2:"; sed 's/^/#   /' "$2"; fi
}
start_relay() { # [PORT]
	"$relay" run --data "$tmp/r" --listen "127.0.0.1:${1:-0}" >"$tmp/port" 2>>"$tmp/relay.log" &
	rpid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
fd_of() { case $1 in ana) echo 4 ;; ben) echo 5 ;; esac; }
start() { # NAME
	rm -f "$tmp/$1.in"
	mkfifo "$tmp/$1.in"
	"$client" --headless --home "$tmp/$1" <"$tmp/$1.in" >>"$tmp/$1.ev" 2>>"$tmp/$1.err" &
	eval "pid_$1=$!"
	pids="$pids $!"
	eval "exec $(fd_of "$1")>\"\$tmp/\$1.in\""
}
send() { printf '%s\n' "$2" >&"$(fd_of "$1")"; }
kill9() {
	eval "kill -9 \$pid_$1"
	eval "exec $(fd_of "$1")>&-"
	eval "wait \$pid_$1" 2>/dev/null
}
field() { grep -F -- "$2" "$1" | tail -n 1 | sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p"; }

"$relay" init --data "$tmp/r" >/dev/null 2>&1
start_relay
port=$(head -n 1 "$tmp/port")
address=$("$relay" address --data "$tmp/r" --listen "127.0.0.1:$port")

# ana and ben share a room, so each is the other's contact.
start ana
start ben
send ana "/persona new ana"
send ben "/persona new ben"
send ana "/relay $address"
send ben "/relay $address"
send ana "/room new circle"
check "room made" "$tmp/ana.ev" '"action":"created"'
invite=$(field "$tmp/ana.ev" '"action":"created"' invite)
send ben "/join $invite circle"
wait_for "$tmp/ben.ev" '"action":"created","name":"ben"' >/dev/null
ben_id=$(field "$tmp/ben.ev" '"event":"persona"' id)
ana_id=$(field "$tmp/ana.ev" '"event":"persona"' id)
check "ana knows ben" "$tmp/ana.ev" "\"member\",\"action\":\"joined\",\"room\":\"circle\",\"id\":\"$ben_id\""

# Errors name the command and the reason.
send ana "/timer soon $ben_id"
check "a bad duration" "$tmp/ana.ev" '"command":"/timer","reason":"give a time like 45m'
send ana "/timer 30m nobody#AAAAAAAA"
check "an unknown buddy" "$tmp/ana.ev" '"command":"/timer","reason":"no contact by that name#FINGERPRINT'
send ana "/safe"
check "nothing to cancel" "$tmp/ana.ev" '{"event":"error","command":"/safe","reason":"no timer is running"}'

# 1. The alert goes out although ana's client is gone.
send ana "/timer 4s $ben_id meeting a new client at the Grand, room 12"
check "timer set" "$tmp/ana.ev" '"event":"timer","action":"set"'
check "the relay holds the alert" "$tmp/ana.ev" '"event":"timer","action":"armed"'
kill9 ana
check "ben gets the alert after ana was killed" "$tmp/ben.ev" \
    "{\"event\":\"alert\",\"from\":\"$ana_id\""
check "with the note" "$tmp/ben.ev" '"note":"meeting a new client at the Grand, room 12"'

# 2. /safe in time: nothing goes out.
start ana
send ana "/timer 3s $ben_id second"
check "second timer armed" "$tmp/ana.ev" '"action":"armed"' 2
send ana "/safe"
check "safe" "$tmp/ana.ev" '"event":"timer","action":"safe"'
check "the relay cancelled it" "$tmp/ana.ev" '"event":"timer","action":"cancelled"'
sleep 5
[ "$(count "$tmp/ben.ev" '"note":"second"')" -eq 0 ] && ok "no alert after /safe" || not_ok "no alert after /safe"

# 3. Extended: not at the first deadline, at the second.
send ana "/timer 3s $ben_id third"
check "third timer armed" "$tmp/ana.ev" '"action":"armed"' 3
send ana "/timer +6s"
check "extended" "$tmp/ana.ev" '"event":"timer","action":"extended"'
check "the relay moved it" "$tmp/ana.ev" '"event":"timer","action":"moved"'
sleep 4
[ "$(count "$tmp/ben.ev" '"note":"third"')" -eq 0 ] && ok "not at the first deadline" || not_ok "not at the first deadline"
check "at the new one" "$tmp/ben.ev" '"note":"third"'
# (The first expired on her restart after the kill: told then.)
check "ana was told the first went out when she came back" "$tmp/ana.ev" '"event":"timer","action":"expired","deadline"'
check "ana is told this one went out" "$tmp/ana.ev" '"event":"timer","action":"expired"' 2

# 4. Across a relay restart: the relay was down at the deadline and
# releases on start.
send ana "/timer 3s $ben_id fourth"
check "fourth timer armed" "$tmp/ana.ev" '"action":"armed"' 4
kill "$rpid"
wait "$rpid" 2>/dev/null
rpid=
sleep 5
start_relay "$port"
# ben comes back now rather than on his growing reconnect schedule.
send ben "/quit"
exec 5>&-
wait "$pid_ben" 2>/dev/null
start ben
if wait_for "$tmp/ben.ev" '"note":"fourth"' 1 300; then ok "released after the restart"; else
	not_ok "released after the restart"; sed 's/^/#   /' "$tmp/ben.ev"; fi

# Exactly once each, and never readable by the relay.
sleep 1
for n in "meeting a new client" second third fourth; do
	c=$(count "$tmp/ben.ev" "\"note\":\"$n")
	want=1
	[ "$n" = second ] && want=0
	[ "$c" -eq "$want" ] && ok "'$n': $want alert(s)" || not_ok "'$n': $c alerts, wanted $want"
done
if grep -qaF "Grand" "$tmp/r"/* 2>/dev/null; then
	not_ok "the relay's files hold no note"
else
	ok "the relay's files hold no note"
fi

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
