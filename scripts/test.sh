#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Builds and runs every test suite three ways and ends with one line,
# "N passed, N failed", counting every test of every build:
#   build/       the normal build (-O2, fortified)
#   build-asan/  the same suite under AddressSanitizer + UBSan; any report,
#                leak included, fails the test that caused it
#   build-fuzz/  clang libFuzzer targets, each fuzzed for a few seconds
# usage: scripts/test.sh [fuzz]    (fuzz: only the libFuzzer build)
set -u
cd "$(dirname "$0")/.." || exit 2

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

passed=0
failed=0
broken=""

# count DIR: adds the results in DIR's meson test log to the totals.
count() {
	log="$1/meson-logs/testlog.json"
	[ -f "$log" ] || return 0
	ok=$(grep -c '"result": "\(OK\|EXPECTEDFAIL\)"' "$log")
	bad=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log")
	skip=$(grep -c '"result": "SKIP"' "$log")
	passed=$((passed + ok))
	failed=$((failed + bad + skip))
	[ "$skip" -gt 0 ] && echo "test.sh: $skip skipped tests in $1 count as failed" >&2
	return 0
}

# suite DIR SETUP_ARGS [meson test args]: configures, builds, tests.
suite() {
	dir=$1 setup=$2
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		cc=${CC:-cc}
		[ "$dir" = build-fuzz ] && cc=clang
		# shellcheck disable=SC2086
		CC=$cc meson setup "$dir" $setup >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; broken="$broken $dir"; return; }
		rm -f "$dir.setup.log"
	fi
	echo "== $dir: build" >&2
	ninja -C "$dir" >/dev/null || { ninja -C "$dir"; broken="$broken $dir"; return; }
	echo "== $dir: test" >&2
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --no-rebuild --print-errorlogs "$@"
	count "$dir"
}

if [ "${1:-}" != fuzz ]; then
	suite build ""
	suite build-asan "-Db_sanitize=address,undefined -Db_lundef=false"
fi
suite build-fuzz "-Dfuzzing=libfuzzer" --suite fuzz

if [ -n "$broken" ]; then
	echo "test.sh: could not build:$broken" >&2
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
