#!/bin/sh
# SPDX-License-Identifier: ISC
#
# hearth --headless end to end, the real binary: the ready event, personas
# made, listed, used and renamed across restarts, errors that name the
# command, a wrong passphrase, a store held by another process, and a
# store file that shows none of the names it holds.
# usage: test-headless.sh HEARTH
set -u
client=$1
tmp=$(mktemp -d)
home="$tmp/home"
passed=0
failed=0
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
# run STATUS COMMANDS...: feeds the commands to a headless client and
# expects its exit status; its events land in $tmp/out.
run() {
	want=$1
	shift
	printf '%s\n' "$@" | timeout 60 "$client" --headless --home "$home" \
	    >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = "$want" ] || { echo "# exit $st, wanted $want"; cat "$tmp/err"; }
}
has() { # has NAME FIXED-STRING: the last run printed a line with it
	if grep -qF -- "$2" "$tmp/out"; then ok "$1"
	else not_ok "$1"; echo "# no '$2' in:"; sed 's/^/#   /' "$tmp/out"; fi
}
lacks() {
	if grep -qF -- "$2" "$tmp/out"; then not_ok "$1"; sed 's/^/#   /' "$tmp/out"
	else ok "$1"; fi
}

export HEARTH_PASSPHRASE='correct horse battery staple'

run 0 "/persona new river" "/persona new Катя" "/persona list" "/quit"
has "ready event with schema version" '{"event":"ready","version":1,"persona":null}'
has "first persona created and in use" '"action":"created","name":"river","id":"river#'
has "a Cyrillic name works" '"name":"Катя"'
has "list shows both" '"action":"listed","name":"Катя"'
has "the first stays in use" '"action":"listed","name":"river","id":"river#'
has "bye at the end" '{"event":"bye"}'
grep -q '"action":"listed","name":"river".*"current":true' "$tmp/out" && ok "river is current" || not_ok "river is current"
id=$(sed -n 's/.*"action":"created","name":"river","id":"\([^"]*\)".*/\1/p' "$tmp/out")
case "$id" in river\#????????) ok "id is name#8-character fingerprint" ;; *) not_ok "id is name#fingerprint ($id)" ;; esac

# A restart keeps the personas and the one in use.
run 0 "/persona use Катя" "/quit"
has "switch persona" '"action":"using","name":"Катя"'
run 0 "/persona" "/quit"
has "the persona in use is remembered" '{"event":"ready","version":1,"persona":"Катя#'
grep -q '"name":"Катя".*"current":true' "$tmp/out" && ok "list marks it current" || not_ok "list marks it current"
has "same fingerprint after restart" "\"id\":\"$id\""

run 0 "/persona rename river lake" "/persona list"
has "rename keeps the keys" "\"id\":\"lake#${id#river#}\""
lacks "the old name is gone" '"name":"river"'
run 0 "/persona new river"
lacks "a freed name starts a new identity" "\"id\":\"$id\""
has "a freed name can be used again" '"action":"created","name":"river"'

# Errors name the command and change nothing.
run 0 "/persona new lake" "/persona new two words" "/persona new a#b" "/persona use nobody" \
    "/nonsense" "hello" "/quit now" "/persona new" "/help persona"
has "duplicate name refused" '{"event":"error","command":"/persona","reason":"you already have a persona with that name"}'
has "name with # refused" '"reason":"a name is 1 to 64 bytes with no spaces'
has "unknown persona" '"reason":"no persona with that name"'
has "unknown command" '{"event":"error","command":"/nonsense","reason":"no such command; try /help"}'
lacks "no refused command created anything" '"action":"created"'
has "text without a command" '"reason":"commands start with /; try /help"'
has "usage on wrong arguments" '{"event":"error","command":"/quit","reason":"/quit"}'
has "help for one command" '{"event":"help","command":"/persona"'
run 0 "/help"
has "help lists every command" '"command":"/quit"'
printf '/persona new evil\033[2J\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
has "control characters refused" '"reason":"the line has control characters'

# Hostile text comes back escaped, still one JSON object per line.
printf '/persona use "\\\\\n' | "$client" --headless --home "$home" >"$tmp/out" 2>&1
if [ "$(grep -c '^{.*}$' "$tmp/out")" = "$(wc -l <"$tmp/out")" ]; then ok "every line is one object"; else not_ok "every line is one object"; cat "$tmp/out"; fi

# The store shows nothing it holds.
if grep -rqa -e 'Катя' -e 'lake' -e 'river' "$home"; then
	not_ok "no name readable in the store files"; grep -rla -e 'Катя' -e lake -e river "$home"
else ok "no name readable in the store files"; fi
[ "$(stat -c %a "$home")" = 700 ] && ok "home is 0700" || not_ok "home is 0700"

# The default home is made on first use, parents included.
mkdir "$tmp/newhome"
printf '/persona new first\n' | env HOME="$tmp/newhome" XDG_DATA_HOME= "$client" --headless >"$tmp/out" 2>&1
has "default home works on a fresh account" '"action":"created","name":"first"'
[ -f "$tmp/newhome/.local/share/hearth/hearth.db" ] && ok "default home is ~/.local/share/hearth" || not_ok "default home is ~/.local/share/hearth"
[ "$(stat -c %a "$tmp/newhome/.local")" = 700 ] && ok "parents made 0700" || not_ok "parents made 0700"

# Wrong passphrase, and none at all.
HEARTH_PASSPHRASE=wrong run 1 "/persona list"
has "wrong passphrase said plainly" '{"event":"error","command":"","reason":"wrong passphrase"}'
lacks "nothing listed with a wrong passphrase" '"event":"persona"'
env -u HEARTH_PASSPHRASE sh -c "printf '/quit\n' | '$client' --headless --home '$home'" >"$tmp/out" 2>&1
[ $? = 2 ] && ok "no passphrase: exit 2" || not_ok "no passphrase: exit 2"
has "no passphrase said plainly" 'needs the passphrase in HEARTH_PASSPHRASE or --passphrase-file'

# The passphrase file: 0600 only.
printf '%s\n' "$HEARTH_PASSPHRASE" >"$tmp/pass"
chmod 644 "$tmp/pass"
env -u HEARTH_PASSPHRASE "$client" --headless --home "$home" --passphrase-file "$tmp/pass" </dev/null >"$tmp/out" 2>&1
has "readable passphrase file refused" 'mode 0600'
chmod 600 "$tmp/pass"
printf '/persona\n' | env -u HEARTH_PASSPHRASE "$client" --headless --home "$home" --passphrase-file "$tmp/pass" >"$tmp/out" 2>&1
has "passphrase file works" '"action":"listed","name":"lake"'

# A passphrase file is taken whole or refused, never cut short.
head -c 1500 /dev/zero | tr '\0' a >"$tmp/long"; chmod 600 "$tmp/long"
env -u HEARTH_PASSPHRASE "$client" --headless --home "$home" --passphrase-file "$tmp/long" </dev/null >"$tmp/out" 2>&1
st=$?
has "too long a passphrase file refused" '"reason":"the passphrase is too long"'
[ "$st" = 2 ] && ok "and exit 2" || not_ok "and exit 2 ($st)"
ln -s "$tmp/pass" "$tmp/passlink"
env -u HEARTH_PASSPHRASE "$client" --headless --home "$home" --passphrase-file "$tmp/passlink" </dev/null >"$tmp/out" 2>&1
has "a symlinked passphrase file refused" '"reason":"cannot open the passphrase file"'
# Overlong input lines are refused whole and the next line still works.
{ head -c 70000 /dev/zero | tr '\0' x; printf '\n/persona\n'; } | "$client" --headless --home "$home" >"$tmp/out" 2>&1
has "an overlong line is refused" '"reason":"the line is too long"'
has "the next line still works" '"action":"listed","name":"lake"'

# Commands from a regular file work the same, overlong lines included,
# and a last line without a newline still counts.
{ head -c 70000 /dev/zero | tr '\0' y; printf '\n/persona new fromfile\n/persona'; } >"$tmp/cmds"
"$client" --headless --home "$home" <"$tmp/cmds" >"$tmp/out" 2>&1
has "file input: overlong line refused" '"reason":"the line is too long"'
has "file input: commands run" '"action":"created","name":"fromfile"'
has "file input: last line without newline" '"action":"listed","name":"fromfile"'

# A NUL byte in file input spoils its own line only.
printf '/persona new a\000b\n/persona\n' >"$tmp/nul"
"$client" --headless --home "$home" <"$tmp/nul" >"$tmp/out" 2>&1
has "file input: a NUL byte is refused" '"reason":"the line has control characters'
has "file input: the next line still works" '"action":"listed","name":"lake"'
lacks "file input: no persona from the NUL line" '"name":"a'

# --wipe of the default home makes no folders.
mkdir "$tmp/emptyhome"
env HOME="$tmp/emptyhome" XDG_DATA_HOME= "$client" --wipe >"$tmp/out" 2>&1 && ok "wipe of a fresh default home" || not_ok "wipe of a fresh default home"
[ -z "$(ls -A "$tmp/emptyhome")" ] && ok "wipe made no folders" || { not_ok "wipe made no folders"; ls -laR "$tmp/emptyhome"; }

# One process at a time.
mkfifo "$tmp/hold"
"$client" --headless --home "$home" <"$tmp/hold" >"$tmp/first" 2>&1 &
first=$!
exec 9>"$tmp/hold"
i=0
while ! grep -q '"event":"ready"' "$tmp/first" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
run 1 "/persona"
has "a second process is refused clearly" 'the store is open in another hearth'
exec 9>&-
wait "$first"

# Settings the interface reads, kept in the store across runs.
run 0 "/notify" "/panic"
has "no bell by default" '{"event":"setting","setting":"notify","notify":"off"}'
has "the panic key only leaves by default" '{"event":"setting","setting":"panic","panic":"exit"}'
run 0 "/notify bell" "/panic wipe" "/notify loud"
has "bell set" '"setting":"notify","notify":"bell"'
has "a bad bell is refused" '{"event":"error","command":"/notify","reason":"say bell or off"}'
run 0 "/notify" "/panic"
has "the bell is remembered" '"setting":"notify","notify":"bell"'
has "panic wipe is remembered" '"setting":"panic","panic":"wipe"'
run 0 "/notify off" "/panic exit"
has "and set back" '"setting":"panic","panic":"exit"'

# --wipe: everything gone, no passphrase needed; a new store starts empty.
cp -r "$home" "$tmp/home2"
env -u HEARTH_PASSPHRASE "$client" --wipe --home "$tmp/home2" >"$tmp/out" 2>&1
st=$?
[ "$st" = 0 ] && ok "wipe exits 0" || not_ok "wipe exits 0 ($st)"
has "wipe says so" 'the store and all its keys are gone'
[ ! -e "$tmp/home2" ] && ok "the store folder is gone" || { not_ok "the store folder is gone"; ls -la "$tmp/home2"; }
run_home2() { printf '%s\n' "$@" | "$client" --headless --home "$tmp/home2" >"$tmp/out" 2>&1; }
run_home2 "/persona"
lacks "a fresh store has no personas" '"event":"persona"'
"$client" --wipe --home "$tmp/nothing-here" >"$tmp/out" 2>&1 && ok "wiping nothing is fine" || not_ok "wiping nothing is fine"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
