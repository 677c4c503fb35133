#!/bin/sh
# SPDX-License-Identifier: ISC
# make bench: builds and runs the benchmarks, printing one "bench:" line
# per run. Loopback only; every run is bounded in count.
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
relay=build/relay/hearth-relay
for window in 1 64; do
	for run in 1 2 3; do
		build/tests/bench/bench-ping "$relay" 50 "$window" 2000
	done
done
for run in 1 2 3; do
	build/tests/bench/bench-fanout "$relay" 50 2000 200 64
	build/tests/bench/bench-crypto 2000
	build/tests/bench/bench-cstore "$(mktemp -u -d /tmp/hearth-bench-cstore.XXXXXX)" 2000
done
for run in 1 2 3; do
	sh tests/bench/bench-rooms.sh build/client/hearth "$relay" 1000
done
