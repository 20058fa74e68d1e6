// The values each integer scalar type of the annotation language takes:
// one table for the runtime's argument checks (bind.js) and the fast
// paths bindgen generates (js/tools/bindgen.mjs).

/** [least, greatest] of each integer scalar type up to 32 bits. */
export const INT_RANGE = Object.freeze({
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff], usize: [0, 0xffffffff],
});
