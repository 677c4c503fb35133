#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Installs the Debian packages hearth needs to build and test, and nothing
# else. Quick when everything is present: it only asks dpkg. As root it runs
# apt-get; otherwise it prints the exact command and stops.
#
# usage: scripts/deps.sh [build|test|bench]
set -eu

build="meson ninja-build pkg-config gcc libsodium-dev libuv1-dev libmsgpack-dev
libncurses-dev libsqlite3-dev"
test="$build libcmocka-dev tmux mandoc clang libclang-rt-14-dev clang-format
microsocks strace"
bench="$test redis-server mosquitto"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "hearth: missing Debian packages:$missing" >&2
	echo "hearth: install them with:" >&2
	echo "    sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "hearth: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An old or absent package list makes apt-get fail to find packages, so
# refresh it once before installing.
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
