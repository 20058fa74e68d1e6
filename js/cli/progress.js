// The progress bar of `parawasm sum`: for an input over PROGRESS_MIN bytes
// (or of unknown size once it has passed that), one line on stderr with the
// name, bytes, percentage and speed, redrawn at most every 100 ms, and
// cleared before anything else is written and when the input ends.

import { escapeName } from './io.js';

/** Inputs larger than this (bytes) show a progress bar. */
export const PROGRESS_MIN = 64 << 20;

/** The progress bar of one input at a time: bytes, percentage and speed on stderr. */
export class Progress {
  /** enabled: draw at all (else every method does nothing). */
  constructor(enabled) {
    this.enabled = enabled;
    this.bar = null; // the bar on screen, if any
  }

  /**
   * As the environment asks: PARAWASM_PROGRESS=1 always, =0 never, else
   * when stderr is a terminal.
   */
  static fromEnvironment() {
    const v = process.env.PARAWASM_PROGRESS;
    if (v === '1') return new Progress(true);
    if (v === '0') return new Progress(false);
    return new Progress(Boolean(process.stderr.isTTY));
  }

  /** Starts the progress of input `name` (bytes) of `total` bytes (null: unknown); returns its handle or null. */
  begin(name, total) {
    if (!this.enabled || (total !== null && total <= PROGRESS_MIN)) return null;
    return { name, total, start: performance.now(), drawn: 0, bytes: 0 };
  }

  /** `bytes` of the input of handle `p` are done. */
  update(p, bytes) {
    if (!p) return;
    p.bytes = bytes;
    if (p.total === null && bytes <= PROGRESS_MIN) return;
    const now = performance.now();
    if (p.drawn && now - p.drawn < 100) return;
    p.drawn = now;
    this.draw(p, now);
  }

  draw(p, now) {
    const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
    const seconds = Math.max((now - p.start) / 1000, 1e-3);
    const rate = `${(p.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    // (the terminal's width, less one: a line as wide as the terminal
    // wraps on some, and a wrapped bar is not cleared by \r\x1b[K)
    const width = Math.max(1, (process.stderr.columns || 80) - 1);
    let counts;
    let bar = '';
    if (p.total) {
      const frac = Math.min(1, p.bytes / p.total);
      counts = `${mib(p.bytes)} / ${mib(p.total)} ${String(Math.floor(frac * 100)).padStart(3)}%  ${rate}`;
      const cells = Math.min(30, width - counts.length - 20);
      if (cells >= 10) {
        const full = Math.round(frac * cells);
        bar = ` [${'#'.repeat(full)}${'-'.repeat(cells - full)}]`;
      }
    } else {
      counts = `${mib(p.bytes)}  ${rate}`;
    }
    let name = escapeName(p.name).toString(); // UTF-8 as a terminal shows it
    const room = width - counts.length - bar.length - 2;
    if (name.length > room) name = room > 4 ? `...${name.slice(-(room - 3))}` : '';
    // a terminal narrower than the counts: what fits of them
    const line = `${name}${bar} ${counts}`.slice(0, width);
    process.stderr.write(`\r\x1b[K${line}`);
    this.bar = p;
  }

  /** Removes the bar from the screen (the next update draws it again). */
  clear() {
    if (!this.bar) return;
    process.stderr.write('\r\x1b[K');
    this.bar.drawn = 0;
    this.bar = null;
  }

  /** The input of handle `p` is done: its bar goes. */
  end(p) {
    if (p && this.bar === p) this.clear();
  }
}
