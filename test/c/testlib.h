/*
 * testlib.h — parawasm's C tests use the harness that the SDK ships to
 * kernel authors: include/parawasm/testing.h.
 */
#include "parawasm.h"
#include "parawasm/testing.h"
