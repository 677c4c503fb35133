#!/bin/sh
# SPDX-License-Identifier: ISC
# A few seconds of real fuzzing for one target. New inputs go to a scratch
# directory, so the checked-in corpus only changes by hand.
# usage: smoke.sh FUZZER CORPUS_DIR DICT
set -eu
fuzzer=$1 corpus=$2 dict=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
secs=${HEARTH_FUZZ_SECONDS:-5}
set -- -max_total_time="$secs" -rss_limit_mb=1024 -timeout=5 \
	-artifact_prefix="$scratch/" -print_final_stats=1
[ -f "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$scratch" "$corpus"
