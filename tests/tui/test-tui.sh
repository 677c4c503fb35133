#!/bin/sh
# SPDX-License-Identifier: ISC
#
# The interface end to end, in real terminals: a real relay on loopback,
# two hearth clients in tmux (ana and ben), a headless third (cat) and a
# hostile member that posts escape sequences. Join from an invite, talk
# both ways, Cyrillic and Arabic, resize to 60x15 and back without losing
# what was typed, help, hostile text shown harmlessly (checked with
# capture-pane -e and the pane title), and the panic key.
# usage: test-tui.sh HEARTH HEARTH-RELAY HOSTILE TMUX
set -u
client=$1
relay=$2
hostile=$3
tmux=$4
tmp=$(mktemp -d)
sock="hearth-tui-$$"
passed=0
failed=0
rpid=
cleanup() {
	"$tmux" -L "$sock" kill-server 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export HEARTH_PASSPHRASE='tui test passphrase'
export LANG=C.UTF-8

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
t() { "$tmux" -L "$sock" "$@"; }
screen() { t capture-pane -p -t "$1"; }
# wait_screen NAME WINDOW TEXT: until the window shows TEXT, 10 s at most.
wait_screen() {
	i=0
	while ! screen "$2" | grep -qF -- "$3"; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			not_ok "$1"
			echo "# wanted: $3"
			screen "$2" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
	done
	ok "$1"
}
type_line() { t send-keys -t "$1" -l -- "$2"; t send-keys -t "$1" Enter; }

if ! command -v "$tmux" >/dev/null 2>&1; then
	echo "not ok - tmux is needed (scripts/deps.sh installs it)"
	exit 1
fi

"$relay" init --data "$tmp/r" >/dev/null 2>&1
"$relay" run --data "$tmp/r" --listen 127.0.0.1:0 >"$tmp/port" 2>"$tmp/relay.log" &
rpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
address=$("$relay" address --data "$tmp/r" --listen "127.0.0.1:$(head -n 1 "$tmp/port")")

# ana in a wide window (an invite fits on one row), ben at 80x24.
t -f /dev/null new-session -d -s ana -x 200 -y 30 \
    "$client --home $tmp/ana; echo EXITED \$?; sleep 30"
t new-session -d -s ben -x 80 -y 24 \
    "$client --home $tmp/ben; echo EXITED \$?; sleep 30"
wait_screen "ana's interface starts" ana "Welcome. Make a persona"
wait_screen "ben's interface starts" ben "Welcome. Make a persona"

type_line ana "/persona new ana"
type_line ana "/relay $address"
wait_screen "ana's relay ready" ana "relay ready"
type_line ana "/room new circle"
wait_screen "ana's room made, invite shown" ana "hearth-invite:"
invite=$(screen ana | grep -o 'hearth-invite:[A-Za-z0-9_-]*' | head -n 1)
[ ${#invite} -gt 100 ] && ok "the invite is on one row" || not_ok "the invite is on one row ($invite)"

type_line ben "/persona new ben"
type_line ben "/relay $address"
wait_screen "ben's relay ready" ben "relay ready"
type_line ben "/join $invite circle"
wait_screen "ben joined" ben "You joined."
wait_screen "ana sees ben arrive" ana "is here."

# Both ways, with other scripts. Messages appear once their sender key
# has come, which the room's first exchange sets up.
type_line ana "hello ben, welcome"
wait_screen "ben reads ana" ben "hello ben, welcome"
type_line ben "привет, ана"
wait_screen "ana reads Cyrillic" ana "привет, ана"
type_line ben "مرحبا"
wait_screen "ana reads Arabic" ana "مرحبا"
screen ben | grep -qF "ana#" && ok "the sender is shown as name#fingerprint" || not_ok "the sender is shown as name#fingerprint"

# A third member, headless, to stand in for a hostile one.
# Its name is as long as names go: on a small screen the name gives way,
# never the fingerprint.
printf '/persona new cat_with_a_name_as_long_as_a_name_may_be_sixty_four_bytes_\n/relay %s\n/join %s\n' "$address" "$invite" |
    (cat; sleep 3; echo /quit) | "$client" --headless --home "$tmp/cat" >"$tmp/cat.ev" 2>&1
grep -qF '"action":"joined"' "$tmp/cat.ev" && ok "cat joined headless" || not_ok "cat joined headless"
wait_screen "ana sees cat arrive" ana "cat_with_a_name"
# Escape sequences, CR, BS, a title change and a bidi override.
hex=$(printf 'fake\033[2J\033]0;pwned\007\rben#AAAAAAAA: line\bX\342\200\256evil' | od -An -tx1 | tr -d ' \n')
"$hostile" "$tmp/cat" "$(sed -n 's/.*"action":"joined","room":"\([^"]*\)".*/\1/p' "$tmp/cat.ev" | head -n 1)" "$hex" 2>"$tmp/hostile.err" &&
    ok "the hostile member posted" || { not_ok "the hostile member posted"; cat "$tmp/hostile.err"; }
wait_screen "ana shows the hostile text" ana "fake"
if t capture-pane -p -e -t ana | grep -q "$(printf '\033')\[2J\|$(printf '\033')\]0;"; then
	not_ok "no injected sequence reached the terminal"
else
	ok "no injected sequence reached the terminal"
fi
t capture-pane -p -t ana | grep -qF "fake␛[2J␛]0;pwned␇␍ben#AAAAAAAA: line␈X" &&
    ok "controls shown as visible pictures" || { not_ok "controls shown as visible pictures"; screen ana | grep -F fake; }
t capture-pane -p -t ana | grep -F "fake" | grep -q "$(printf '\342\200\256')" &&
    not_ok "the bidi override is not drawn" || ok "the bidi override is not drawn"
[ "$(t display-message -p -t ana '#{pane_title}')" != "pwned" ] && ok "the window title is unchanged" || not_ok "the window title is unchanged"

# A flood of urgent alerts from a modified client: shown on top until
# Esc, and only three an hour from one member.
catroom=$(sed -n 's/.*"action":"joined","room":"\([^"]*\)".*/\1/p' "$tmp/cat.ev" | head -n 1)
"$hostile" "$tmp/cat" "$catroom" "$(printf 'flood' | od -An -tx1 | tr -d ' \n')" 5 2>"$tmp/hostile.err" &&
    ok "the flood was posted" || { not_ok "the flood was posted"; cat "$tmp/hostile.err"; }
wait_screen "an urgent alert is shown on top" ana "URGENT in circle from cat_"
wait_screen "the third alert is shown" ana "flood 3"
sleep 1
screen ana | grep -qF "flood 4" && not_ok "the fourth and fifth are dropped" || ok "the fourth and fifth are dropped"
t send-keys -t ana Escape
sleep 0.3
screen ana | grep -qF "URGENT in circle" && not_ok "Esc closes the banner" || ok "Esc closes the banner"

# Resize to the smallest size and back, with a half-typed line.
t send-keys -t ben -l "draft in progress"
wait_screen "ben's draft shown" ben "> draft in progress"
t resize-window -t ben -x 60 -y 15
sleep 0.3
[ "$(t display-message -p -t ben '#{window_width}x#{window_height}')" = "60x15" ] && ok "resized to 60x15" || not_ok "resized to 60x15"
wait_screen "the draft survives 60x15" ben "> draft in progress"
wait_screen "the conversation is still drawn at 60x15" ben "circle"
catfp=$(sed -n 's/.*"id":"cat_[^#]*#\([A-Z0-9]*\)".*/\1/p' "$tmp/cat.ev" | head -n 1)
wait_screen "a long name is cut, its fingerprint shown" ben "…#$catfp"
t resize-window -t ben -x 50 -y 12
wait_screen "too small: a plain notice" ben "at least 60 x 15"
t resize-window -t ben -x 100 -y 30
wait_screen "the draft survives the way back" ben "> draft in progress"
t send-keys -t ben Enter
wait_screen "the draft is then sent" ana "draft in progress"

# A paste is text: its line break becomes a space, and the Ctrl-Q, Ctrl-U
# and arrow inside it do nothing (the arrow's last byte stays as text).
t set-buffer -b p "$(printf 'pasted\021\021 one\025\033[D line\ntwo')"
t paste-buffer -p -b p -t ben
wait_screen "a paste lands on the input line whole" ben "> pasted oneD line two"
screen ben | grep -qF "Press Ctrl-Q again" && not_ok "no key inside a paste acts" || ok "no key inside a paste acts"
t send-keys -t ben C-u

# Help is one key away, and goes away again.
t send-keys -t ben F1
wait_screen "F1 shows the keys" ben "panic: clear the screen and leave at once"
t send-keys -t ben Escape
sleep 0.3
screen ben | grep -qF "panic: clear the screen" && not_ok "Esc closes help" || ok "Esc closes help"

# The panic key: the screen is cleared and the program gone at once;
# ana asked for the store to go with it.
type_line ana "/panic wipe"
wait_screen "ana sets the panic key to wipe" ana "will wipe this store and leave"
[ -f "$tmp/ana/hearth.db" ] && ok "ana's store is there before" || not_ok "ana's store is there before"
t send-keys -t ana F12
wait_screen "F12 leaves at once" ana "EXITED 0"
screen ana | grep -qF "hello ben" && not_ok "nothing left on the screen" || ok "nothing left on the screen"
[ ! -e "$tmp/ana/hearth.db" ] && ok "and the store is wiped" || not_ok "and the store is wiped"
t send-keys -t ben C-q
wait_screen "Ctrl-Q once only warns" ben "Press Ctrl-Q again"
t send-keys -t ben C-q
wait_screen "Ctrl-Q twice leaves" ben "EXITED 0"
# The interface drew on the alternate screen, cleared it, and left
# nothing said in the terminal's scrollback either.
t capture-pane -p -S -2000 -t ben | grep -qF "hello ben" &&
    not_ok "nothing said in the scrollback" || ok "nothing said in the scrollback"

# /quit leaves normally too, and the store is still there.
t new-session -d -s ben2 -x 80 -y 24 \
    "$client --home $tmp/ben; echo EXITED \$?; sleep 30"
wait_screen "ben starts again, in his room" ben2 "circle  room,"
type_line ben2 "/quit"
wait_screen "/quit leaves" ben2 "EXITED 0"

# The passphrase asked on the terminal: twice for a new store, never
# shown; Ctrl-C at the prompt leaves with the echo back on.
t new-session -d -s dee -x 80 -y 24 \
    "env -u HEARTH_PASSPHRASE $client --home $tmp/dee; echo EXITED \$?; sleep 30"
wait_screen "a new store asks for a passphrase" dee "New passphrase:"
t send-keys -t dee -l "s3cret words"
t send-keys -t dee Enter
wait_screen "and again" dee "Again:"
t send-keys -t dee -l "s3cret words"
t send-keys -t dee Enter
wait_screen "then the interface opens" dee "Welcome. Make a persona"
screen dee | grep -qF "s3cret" && not_ok "the passphrase is never shown" || ok "the passphrase is never shown"
t send-keys -t dee -l "/quit"
t send-keys -t dee Enter
wait_screen "dee leaves" dee "EXITED 0"
t new-session -d -s eve -x 80 -y 24 \
    "env -u HEARTH_PASSPHRASE $client --home $tmp/eve; echo EXITED \$?; stty -a | grep -o -- '-*echo ' | head -n 1; sleep 30"
wait_screen "eve is asked" eve "New passphrase:"
t send-keys -t eve -l "half"
t send-keys -t eve C-c
wait_screen "Ctrl-C at the prompt leaves" eve "EXITED 2"
screen eve | grep -q '^-echo' && not_ok "the echo is back on" || ok "the echo is back on"
[ ! -e "$tmp/eve/hearth.db" ] && ok "and no store was made" || not_ok "and no store was made"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
