/*
 * no_kernels.c — stands in for the generated kernel table when the C
 * kernels are linked into a native test or benchmark program directly
 * (those call the kernels themselves, never through pw_run).
 */
#include "runtime.h"

const pw_trampoline pw__kernels[1];
const char *const pw__kernel_names[1];
const uint32_t pw__kernel_count = 0;
const uint32_t pw__kernel_abi = 0;
