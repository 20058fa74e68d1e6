// The progress bar of `parawasm sum` (js/cli/progress.js) on terminals of
// several widths: each drawing fits in a line (the terminal's width less
// one), so that the next one's \r\x1b[K clears it; a bar that wrapped left
// a line behind at every redraw.
//
//   node --test test/js/cli-progress.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../js/cli/progress.js';

/** What Progress writes to stderr while it draws, on a terminal `columns` wide. */
function drawings(columns, name, total) {
  const written = [];
  const stderr = process.stderr;
  const desc = Object.getOwnPropertyDescriptor(stderr, 'columns');
  const write = stderr.write;
  Object.defineProperty(stderr, 'columns', { value: columns, configurable: true, writable: true });
  stderr.write = (s) => {
    written.push(String(s));
    return true;
  };
  try {
    const pr = new Progress(true);
    const p = pr.begin(name, total);
    for (const bytes of [100 << 20, 512 << 20, total ?? 3 << 30]) {
      p.drawn = 0; // (draw now, whatever the clock says)
      pr.update(p, bytes);
    }
    pr.end(p);
  } finally {
    stderr.write = write;
    if (desc) Object.defineProperty(stderr, 'columns', desc);
    else delete stderr.columns;
  }
  return written;
}

test('every drawing of the bar fits in the terminal\'s width less one, however narrow', () => {
  for (const columns of [1, 10, 20, 30, 41, 50, 80, 200]) {
    for (const [name, total] of [['big.iso', 1 << 30], ['a/very/long/path/to/some/file/of/many/bytes.bin', 4 * 2 ** 30], ['-', null]]) {
      const out = drawings(columns, name, total);
      const bars = out.slice(0, -1); // (the last write clears the bar)
      assert.ok(bars.length >= 2, `${columns} columns, ${name}: drawn (${JSON.stringify(out)})`);
      for (const s of bars) {
        assert.ok(s.startsWith('\r\x1b[K'), 'each drawing clears the line first');
        const line = s.slice(4);
        assert.ok(line.length <= Math.max(1, columns - 1), `${columns} columns, ${name}: ${JSON.stringify(line)} is ${line.length} long`);
        assert.ok(!line.includes('\n'), 'one line');
      }
      if (columns >= 80) assert.match(bars.at(-1), /MiB/, 'the counts, on a wide terminal');
      assert.equal(out.at(-1), '\r\x1b[K', 'cleared at the end');
    }
  }
});
