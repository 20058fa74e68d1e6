// The in-place pattern with the single-thread core: asciiUpper turns a-z
// into A-Z inside the buffer you pass, and returns how many bytes it changed.
//
//   node examples/in-place.mjs
import { loadCore } from '../pkg/index.js';

const core = await loadCore();
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = 'Hello, wörld: parawasm changes this text in place.';

// 1. A view of the core's own memory (core.alloc): the kernel works on it
//    where it is, no copy. Allocate your views first: an allocation that
//    grows the core's heap detaches the views made before it.
const view = core.alloc(encoder.encode(text).length);
encoder.encodeInto(text, view);
const changedInHeap = core.asciiUpper(view);
console.log(`core.alloc() view: ${changedInHeap} bytes changed -> ${decoder.decode(view)}`);
core.free(view);

// 2. Any other Uint8Array (or Buffer, or a view of your own
//    SharedArrayBuffer): copied into the core's memory, changed there, and
//    copied back into your array before the call returns.
const plain = encoder.encode(text);
const changedInCopy = core.asciiUpper(plain);
console.log(`plain Uint8Array:  ${changedInCopy} bytes changed -> ${decoder.decode(plain)}`);

// Non-ASCII letters (here "ö") are left as they are.
