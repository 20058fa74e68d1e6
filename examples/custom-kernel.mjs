// A kernel called through the pool, changing a shared buffer in place.
//
// asciiUpper is parawasm's example of an in-place kernel. Its C declaration
// in include/parawasm/bytes.h is all the binding needs:
//
//     /** ...
//      * @return the number of bytes that were changed */
//     PW_KERNEL size_t pw_ascii_upper(PW_INOUT(len) uint8_t *data, size_t len);
//
// and src/kernels/ascii.c implements it. Your own kernel takes the same
// path (README, "Adding a kernel"):
//
//   1. Declare it, annotated, in the header of its family,
//      include/parawasm/<family>.h (a new family header is included from
//      include/parawasm.h):
//
//        /**
//         * Replaces every byte `from` of the buffer with `to`, in place.
//         * @return the number of bytes replaced
//         */
//        PW_KERNEL size_t pw_replace_byte(PW_INOUT(len) uint8_t *data, size_t len,
//                                         uint8_t from, uint8_t to);
//
//      PW_IN / PW_INOUT / PW_OUT(len) mark buffers and their length
//      parameter; scalars are passed as they are (see include/parawasm.h).
//   2. Write it in a C file in src/kernels/ (say src/kernels/replace.c):
//      plain C on (pointer, length), no globals; long loops go through
//      pw_parallel_for() so that they split across the pool's threads and
//      stop when the call is aborted.
//   3. Run `make`. The JS binding, its argument checks and its TypeScript
//      type are generated from the declaration:
//        await pool.replaceByte(view, 0x2c, 0x3b)   // and core.replaceByte(...)
//
//   node examples/custom-kernel.mjs
import { createPool } from '../pkg/index.js';

const pool = await createPool({ threads: 2 });

const text = 'parawasm: C kernels from JavaScript, on every core, in one shared memory. ';
const bytes = new TextEncoder().encode(text.repeat(50000)); // about 3.7 MB: split across threads
const shared = pool.alloc(bytes.length); // a view of the pool's memory: no copy in or out
shared.set(bytes);

const changed = await pool.asciiUpper(shared); // runs on the pool's threads, in place
const after = new TextDecoder().decode(shared.subarray(0, text.length));
console.log(`pool.asciiUpper changed ${changed} of ${shared.length} bytes in place`);
console.log(`the caller's view now starts: "${after.trim()}"`);
console.log(`bytes copied in or out: ${pool.stats().bytesCopied}`);

pool.free(shared);
await pool.destroy();
