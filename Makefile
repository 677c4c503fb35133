# SPDX-License-Identifier: ISC
# A thin wrapper over meson for the commands a newcomer needs.
#   make run    build, start a local relay and a client against it
#   make test   build and run every suite, plain and under ASan+UBSan
#   make bench  run the benchmarks (figures, not tests)
#   make fuzz   build the libFuzzer targets and fuzz each for FUZZ_SECONDS
#   make clean  remove the build directories
.POSIX:
.PHONY: all deps run test fuzz bench clean

FUZZ_SECONDS = 60

all: build/build.ninja
	ninja -C build

deps:
	@scripts/deps.sh build

build/build.ninja:
	@scripts/deps.sh build
	meson setup build

run: build/build.ninja
	@scripts/deps.sh build
	ninja -C build
	scripts/run.sh build

test:
	@scripts/deps.sh test
	scripts/test.sh

bench:
	@scripts/deps.sh test
	scripts/bench.sh

fuzz:
	@scripts/deps.sh test
	HEARTH_FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/test.sh fuzz

clean:
	rm -rf build build-asan build-fuzz
