/*
 * parawasm.h — everything of parawasm's C side: the kernel-author API
 * (parawasm/kernel.h: status codes, annotations, fork-join, reductions,
 * progress, errors) and the declarations of parawasm's own kernel
 * families, one header a family under include/parawasm/.
 *
 * A kernel of your own needs only parawasm/kernel.h.
 */
#ifndef PARAWASM_H
#define PARAWASM_H

#include "parawasm/kernel.h"

#include "parawasm/checksum.h"
#include "parawasm/bytes.h"
#include "parawasm/hash.h"
#include "parawasm/xxhash.h"
#include "parawasm/sha2.h"
#include "parawasm/legacy.h"
#include "parawasm/blake3.h"

#endif /* PARAWASM_H */
