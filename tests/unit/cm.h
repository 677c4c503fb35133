/* SPDX-License-Identifier: ISC */
/* cmocka needs these headers before its own, in this order. */
#ifndef HEARTH_TESTS_CM_H
#define HEARTH_TESTS_CM_H

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#endif
