/* SPDX-License-Identifier: ISC */
/* The one entry point every fuzz target defines (libFuzzer's). */
#ifndef HEARTH_FUZZ_H
#define HEARTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
