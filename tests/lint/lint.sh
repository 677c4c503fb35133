#!/bin/sh
# SPDX-License-Identifier: ISC
# Lint: formatting, banned functions, which files may include which
# dependency, self-contained headers, and the man pages.
# usage: lint.sh SOURCE_ROOT CHECK...   (CHECK: format banned includes
#        headers man)
set -u
root=$1
shift
cd "$root" || exit 2
status=0
fail() { echo "lint: $*"; status=1; }

sources=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find common relay client tests -name '*.[ch]')

for check in "$@"; do
case $check in
format)
	for f in $sources; do
		# Compare output rather than use --dry-run, which in clang-format
		# 14 flags some unions that -i leaves unchanged.
		clang-format "$f" | cmp -s - "$f" ||
			fail "$f is not formatted (run: clang-format -i $f)"
	done ;;
banned)
	# After curl: these invite overflows or silent misparses.
	hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|sscanf|gets|strncpy)\s*\(' \
		$(echo "$sources" | grep -v '^tests/') || true)
	[ -z "$hits" ] || fail "banned function:
$hits" ;;
includes)
	# Few doors to each dependency (STYLE.md 1).
	bad=$(grep -lE '#include <(n?curses|ncursesw/curses)\.h>' $sources |
		grep -vE '^client/(view[^/]*|term)\.c$' || true)
	[ -z "$bad" ] || fail "<curses.h> outside client/view*.c and client/term.c: $bad"
	bad=$(grep -l '#include <msgpack.h>' $sources |
		grep -vE '^(common/wire\.c|tests/unit/test-wire\.c)$' || true)
	[ -z "$bad" ] || fail "<msgpack.h> outside common/wire.c: $bad"
	bad=$(grep -l '#include <sodium.h>' $sources |
		grep -vE '^(common/(noise|secmem|addr|proof|idmap|kdf|ident|x3dh|ratchet|senderkey|sealed|invite|announce)\.c|client/(store[^/]*|engine[^/]*|headless|link|prekeys|session|records|tui)\.c|relay/(main|config)\.c|client/main\.c|tests/.*)$' || true)
	[ -z "$bad" ] || fail "<sodium.h> outside the crypto modules: $bad"
	bad=$(grep -l '#include <sqlite3.h>' $sources |
		grep -vE '^(relay/store\.c|client/store\.c|tests/.*)$' || true)
	[ -z "$bad" ] || fail "<sqlite3.h> outside relay/store.c and client/store.c: $bad"
	bad=$(grep -lE '#include "(relay|client)/' $(echo "$sources" | grep '^common/') || true)
	[ -z "$bad" ] || fail "common/ must not include relay/ or client/: $bad"
	bad=$(grep -l '#include "client/' $(echo "$sources" | grep '^relay/') || true)
	[ -z "$bad" ] || fail "relay/ must not include client/: $bad"
	bad=$(grep -l '#include "relay/' $(echo "$sources" | grep '^client/') || true)
	[ -z "$bad" ] || fail "client/ must not include relay/: $bad" ;;
headers)
	# Each header compiles on its own (after dav1d's header_test).
	flags="-std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. $(pkg-config --cflags libsodium libuv msgpack)"
	for h in $(echo "$sources" | grep -E '^(common|relay|client)/.*\.h$'); do
		# shellcheck disable=SC2086
		echo "#include \"$h\"" | ${CC:-cc} $flags -fsyntax-only -x c - ||
			fail "$h does not compile on its own"
	done ;;
man)
	for m in man/*.[0-9]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		[ -z "$out" ] || fail "$m:
$out"
	done ;;
*) fail "unknown check $check" ;;
esac
done
[ $status = 0 ] && echo "lint: $* clean"
exit $status
