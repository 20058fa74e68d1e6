// `parawasm sum`, the package's command line (pkg/lib/cli.js), run as a user
// runs it: child processes in a temporary folder of files of assorted sizes
// and awkward names. Digests are checked against references computed here
// (Node's zlib and crypto, the plain-JS references of test/lib/ref.js,
// hash-wasm), and output byte for byte against sha256sum, md5sum and sha1sum.
//
// Tests of algorithms that this build does not implement yet are skipped
// (see built() below); they start running once the algorithm is built.
//
//   make pkg && node --test test/js/cli.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { fillRandom, refAdler32, refCrc32 } from '../lib/ref.js';
import { HANG_MS, until } from './helpers/pool-test-utils.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'pkg/lib/cli.js');
const MiB = 1 << 20;
// The CLI reads big inputs in 4 MiB pieces and batches files under 1 MiB;
// the sizes below sit on both sides of those edges.
const PIECE = 4 * MiB;
const SMALL = MiB;

const { loadCore } = await import(join(ROOT, 'pkg/index.js'));

/**
 * True if the build implements `alg`. A build without it either refuses it
 * (an error) or leaves the digests unwritten, so that 4096 different
 * inputs all get the same digest; a real hash gives them different ones.
 * A fresh core per probe, so that the unwritten output is fresh memory.
 */
async function built(alg) {
  try {
    const core = await loadCore();
    const inputs = Array.from({ length: 4096 }, (_, i) => Uint32Array.of(i));
    const digests = core.hashMany(alg, inputs, { encoding: 'hex' });
    return new Set(digests).size > inputs.length / 2;
  } catch {
    return false;
  }
}

const BUILT = {};
for (const alg of ['sha256', 'md5', 'sha1', 'blake3', 'xxh64']) BUILT[alg] = await built(alg);
const notBuilt = (alg) => !BUILT[alg] && `${alg} is not built yet`;
const hasTool = (tool) => spawnSync(tool, ['--version']).status === 0;
const skipUnless = (alg, tool) => notBuilt(alg) || (!hasTool(tool) && `${tool} is not installed`);

// ------------------------------------------------------------------ data

// name -> size; written with seeded random bytes
const FILES = {
  empty: 0,
  'one byte': 1,
  three: 3,
  odd: 1001,
  'small-1': SMALL - 1,
  small: SMALL,
  'small+1': SMALL + 1,
  'three MiB odd': 3 * MiB + 5,
  'piece-1': PIECE - 1,
  piece: PIECE,
  'piece+1': PIECE + 1,
  'two pieces': 2 * PIECE + 7,
  'new\nline': 17,
  'back\\slash': 18,
  'cr\rname': 19,
  'tab\tand spaces  ': 20,
};
const NAMES = Object.keys(FILES);
const TREE_FILES = 300; // small files under tree/
const BIG = 80 * MiB; // over the 64 MiB progress threshold

let dir;
const data = new Map(); // path relative to dir -> bytes

function put(rel, bytes) {
  writeFileSync(join(dir, rel), bytes);
  data.set(rel, bytes);
}

function randomBytes(n, seed) {
  const b = new Uint8Array(n);
  fillRandom(b, seed);
  return b;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
  NAMES.forEach((name, i) => put(name, randomBytes(FILES[name], 100 + i)));
  put('check.txt', new TextEncoder().encode('123456789'));
  mkdirSync(join(dir, 'adir'));
  // a tree of small files (and one bigger one) in nested folders
  for (const sub of ['tree', 'tree/a', 'tree/a/deep', 'tree/b', 'tree/b-c']) mkdirSync(join(dir, sub));
  for (let i = 0; i < TREE_FILES; i++) {
    const sub = ['tree', 'tree/a', 'tree/a/deep', 'tree/b', 'tree/b-c'][i % 5];
    put(`${sub}/f${i}`, randomBytes((i * 7919) % 5000, 1000 + i));
  }
  put('tree/b/bigger', randomBytes(2 * MiB + 3, 7));
  put('tree/empty', new Uint8Array(0));
  symlinkSync('f0', join(dir, 'tree/link-to-f0'));
  data.set('tree/link-to-f0', data.get('tree/f0'));
  symlinkSync('a', join(dir, 'tree/link-to-a')); // a folder: not descended
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------- references

const hex32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const crc32 = (b) => hex32(typeof zlib.crc32 === 'function' ? zlib.crc32(b) : refCrc32(b));
const adler32 = (b) => hex32(refAdler32(b));

/** A name as coreutils writes it: [prefix of the line, escaped name]. */
function gnuName(name) {
  if (!/[\\\n\r]/.test(name)) return ['', name];
  return ['\\', name.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r')];
}

/** The expected `HEX  NAME` lines of files hashed by fn. */
function expectedLines(names, fn, bytesOf = (n) => data.get(n)) {
  return names.map((n) => {
    const [pre, esc] = gnuName(n);
    return `${pre}${fn(bytesOf(n))}  ${esc}\n`;
  }).join('');
}

// ---------------------------------------------------------------- running

/**
 * Runs `node pkg/lib/cli.js ...args` in the data folder; resolves to
 * { code, stdout, stderr }. PARAWASM_PROGRESS is unset unless env sets it.
 */
function cli(args, { input, env = {}, timeout = HANG_MS } = {}) {
  const childEnv = { ...process.env, ...env };
  if (!('PARAWASM_PROGRESS' in env)) delete childEnv.PARAWASM_PROGRESS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.stdin.on('error', () => {}); // the CLI may exit without reading it
    child.stdin.end(input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`parawasm ${args.join(' ')}: killed by ${signal} (did not end by itself); stderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

const sum = (args, opts) => cli(['sum', '-j', '2', ...args], opts);

/** Runs a system tool in the data folder (sha256sum and the like). */
function tool(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOk(r, what) {
  assert.equal(r.code, 0, `${what}: exit ${r.code}; stderr: ${r.stderr}`);
  assert.equal(r.stderr, '', `${what}: nothing on stderr`);
}

// ----------------------------------------------------------------- hashing

test('crc32 of files of assorted sizes and names, in argument order', async () => {
  const names = [...NAMES].reverse();
  const r = await sum(['-a', 'crc32', ...names, 'one byte']);
  assertOk(r, 'sum -a crc32');
  assert.equal(r.stdout, expectedLines([...names, 'one byte'], crc32));
});

test('adler32 of the same files, the algorithm name in any case', async () => {
  const r = await sum(['--algorithm=ADLER32', ...NAMES]);
  assertOk(r, 'sum --algorithm=ADLER32');
  assert.equal(r.stdout, expectedLines(NAMES, adler32));
});

test('standard input: "-", or no FILE at all; between files too', async () => {
  const input = randomBytes(2 * PIECE + 12345, 5); // several pieces through a pipe
  const [dash, none, mixed] = await Promise.all([
    sum(['-a', 'crc32', '-'], { input }),
    sum(['-a', 'crc32'], { input: '123456789' }),
    sum(['-a', 'adler32', 'three', '-', 'odd'], { input }),
  ]);
  assertOk(dash, 'sum -');
  assert.equal(dash.stdout, `${crc32(input)}  -\n`);
  assertOk(none, 'sum (no FILE)');
  assert.equal(none.stdout, 'cbf43926  -\n');
  assertOk(mixed, 'sum three - odd');
  assert.equal(mixed.stdout, `${adler32(data.get('three'))}  three\n${adler32(input)}  -\n${adler32(data.get('odd'))}  odd\n`);
});

test('--tag writes BSD-style lines, -b marks names with *', async () => {
  const [tag, binary] = await Promise.all([
    sum(['-a', 'crc32', '--tag', 'odd', 'new\nline']),
    sum(['-a', 'crc32', '-b', 'odd', 'back\\slash']),
  ]);
  assertOk(tag, '--tag');
  assert.equal(tag.stdout, `CRC32 (odd) = ${crc32(data.get('odd'))}\n\\CRC32 (new\\nline) = ${crc32(data.get('new\nline'))}\n`);
  assertOk(binary, '-b');
  assert.equal(binary.stdout, `${crc32(data.get('odd'))} *odd\n\\${crc32(data.get('back\\slash'))} *back\\\\slash\n`);
});

test('the number of threads does not change the digests', async () => {
  const names = ['empty', 'small+1', 'two pieces', 'odd'];
  const [one, three, auto] = await Promise.all([
    cli(['sum', '-j', '1', '-a', 'crc32', ...names]),
    cli(['sum', '--threads=3', '-a', 'crc32', ...names]),
    cli(['sum', '-a', 'crc32', ...names]),
  ]);
  for (const r of [one, three, auto]) {
    assertOk(r, 'sum -j');
    assert.equal(r.stdout, expectedLines(names, crc32));
  }
});

test('a directory or a missing file is reported; the other files are still hashed', async () => {
  const r = await sum(['-a', 'crc32', 'odd', 'adir', 'no such file', 'three']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, expectedLines(['odd', 'three'], crc32));
  assert.equal(r.stderr, 'parawasm sum: adir: Is a directory\nparawasm sum: no such file: No such file or directory\n');
});

test('standard input that is a directory is reported as a file is; the inputs after it are still hashed', () => {
  // stdin's read error escaped the per-input handling and ended the run
  // ("parawasm: Error: EISDIR: illegal operation on a directory, read")
  const fd = openSync(join(dir, 'adir'), 'r');
  try {
    const r = spawnSync(process.execPath, [CLI, 'sum', '-a', 'crc32', 'odd', '-', 'three'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: HANG_MS });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, expectedLines(['odd', 'three'], crc32));
    assert.equal(r.stderr, 'parawasm sum: -: Is a directory\n');
  } finally {
    closeSync(fd);
  }
});

test('an unreadable file is reported', { skip: process.getuid?.() === 0 && 'root reads every file' }, async () => {
  put('locked', randomBytes(10, 1));
  chmodSync(join(dir, 'locked'), 0o000);
  try {
    const r = await sum(['-a', 'crc32', 'locked', 'odd']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, expectedLines(['odd'], crc32));
    assert.equal(r.stderr, 'parawasm sum: locked: Permission denied\n');
  } finally {
    chmodSync(join(dir, 'locked'), 0o644);
  }
});

test('-r hashes every regular file of a tree in sorted path order, as file by file', async () => {
  const inTree = [...data.keys()].filter((k) => k.startsWith('tree/'));
  const sorted = [...inTree].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.ok(sorted.indexOf('tree/b-c/f4') < sorted.indexOf('tree/b/bigger'), 'byte order: "-" before "/"');
  const [tree, slash, each] = await Promise.all([
    sum(['-r', '-a', 'crc32', 'tree', 'odd']),
    sum(['--recursive', '-a', 'crc32', 'tree/']),
    sum(['-a', 'crc32', ...sorted]),
  ]);
  assertOk(tree, 'sum -r tree odd');
  assert.equal(tree.stdout, expectedLines([...sorted, 'odd'], crc32));
  assertOk(each, 'sum FILE... (one by one)');
  assert.equal(tree.stdout, `${each.stdout}${crc32(data.get('odd'))}  odd\n`);
  assertOk(slash, 'sum -r tree/');
  assert.equal(slash.stdout, each.stdout);
});

// ---------------------------------------------------------------- progress

test('progress bar: shown for big inputs with PARAWASM_PROGRESS=1, never on a pipe by default', async () => {
  const big = randomBytes(BIG, 9);
  put('big', big);
  try {
    const expected = `${crc32(big)}  big\n`;
    const [forced, plain, small] = await Promise.all([
      sum(['-a', 'crc32', 'big'], { env: { PARAWASM_PROGRESS: '1' } }),
      sum(['-a', 'crc32', 'big']),
      sum(['-a', 'crc32', 'two pieces'], { env: { PARAWASM_PROGRESS: '1' } }),
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, expected);
    assert.match(forced.stderr, /big .*80\.0 MiB +\d+%  [\d.]+ MB\/s/, 'bytes, total, % and speed');
    assert.ok(forced.stderr.endsWith('\r\x1b[K'), 'the bar is cleared at the end');
    assertOk(plain, 'stderr is a pipe');
    assert.equal(plain.stdout, expected);
    assertOk(small, 'inputs up to 64 MiB show no bar');
  } finally {
    rmSync(join(dir, 'big'));
    data.delete('big');
  }
});

// ---------------------------------------------------------------- checking

/** Writes a checksum list into the data folder. */
function list(name, text) {
  writeFileSync(join(dir, name), text);
  return name;
}

test('--check: OK, FAILED, FAILED open or read, with the summary and exit status', async () => {
  const names = ['odd', 'empty', 'new\nline', 'back\\slash', 'two pieces', 'tab\tand spaces  '];
  const good = list('good.crc', expectedLines(names, crc32));
  const ok = await sum(['-a', 'crc32', '-c', good]);
  assertOk(ok, 'all OK');
  assert.equal(ok.stdout, 'odd: OK\nempty: OK\n\\new\\nline: OK\nback\\slash: OK\ntwo pieces: OK\ntab\tand spaces  : OK\n');

  const bad = list('bad.crc', `${expectedLines(['odd'], crc32)}00000000  three\n${expectedLines(['small'], crc32)}` +
    `12345678  missing file\n${expectedLines(['empty'], crc32)}`);
  const [r, quiet, status, ignore] = await Promise.all([
    sum(['-a', 'crc32', '--check', bad]),
    sum(['-a', 'crc32', '-c', '--quiet', bad]),
    sum(['-a', 'crc32', '-c', '--status', bad]),
    sum(['-a', 'crc32', '-c', '--ignore-missing', bad]),
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'odd: OK\nthree: FAILED\nsmall: OK\nmissing file: FAILED open or read\nempty: OK\n');
  assert.equal(r.stderr, 'parawasm sum: missing file: No such file or directory\n' +
    'parawasm sum: WARNING: 1 listed file could not be read\n' +
    'parawasm sum: WARNING: 1 computed checksum did NOT match\n');
  assert.equal(quiet.code, 1);
  assert.equal(quiet.stdout, 'three: FAILED\nmissing file: FAILED open or read\n');
  assert.equal(status.code, 1);
  assert.equal(status.stdout, '');
  assert.equal(status.stderr, 'parawasm sum: missing file: No such file or directory\n', 'only the read error');
  assert.equal(ignore.code, 1, 'three still fails');
  assert.equal(ignore.stdout, 'odd: OK\nthree: FAILED\nsmall: OK\nempty: OK\n');

  const onlyMissing = list('missing.crc', '12345678  missing file\n');
  const none = await sum(['-a', 'crc32', '-c', '--ignore-missing', onlyMissing]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /missing\.crc: no file was verified/);
  const statusOk = await sum(['-a', 'crc32', '-c', '--status', good]);
  assert.equal(statusOk.code, 0);
  assert.equal(statusOk.stdout + statusOk.stderr, '');
});

test('--check reads its list from standard input and lists written by sum', async () => {
  const written = await sum(['-a', 'adler32', ...NAMES]);
  assertOk(written, 'sum');
  const [r, dash] = await Promise.all([
    sum(['-a', 'adler32', '-c'], { input: written.stdout }),
    sum(['-a', 'adler32', '-c', '-'], { input: written.stdout }),
  ]);
  const expected = NAMES.map((n) => `${n.includes('\n') ? `\\${gnuName(n)[1]}` : n}: OK\n`).join('');
  for (const x of [r, dash]) {
    assertOk(x, 'check from stdin');
    assert.equal(x.stdout, expected);
  }
});

test('--check accepts *NAME, tagged lines, upper-case hex, CRLF, comments and blank lines', async () => {
  const c = (n) => crc32(data.get(n));
  const text = `# made by hand\n\n${c('odd')} *odd\r\nCRC32 (three) = ${c('three')}\n` +
    `ADLER32 (small) = ${adler32(data.get('small'))}\n${c('empty').toUpperCase()}  empty\n` +
    `\\CRC32 (new\\nline) = ${c('new\nline')}\n`;
  const name = list('mixed.crc', text);
  const [byTag, withA] = await Promise.all([
    sum(['-c', name]), // no -a: tagged lines name their algorithm; the others are ambiguous
    sum(['-a', 'crc32', '-c', name]),
  ]);
  assert.equal(byTag.code, 0, byTag.stderr);
  assert.equal(byTag.stdout, 'three: OK\nsmall: OK\n\\new\\nline: OK\n');
  assert.equal(byTag.stderr, `parawasm sum: ${name}: 8-digit checksums could be crc32, crc32c, adler32 or xxh32; name the algorithm with -a\n` +
    'parawasm sum: WARNING: 2 lines are improperly formatted\n');
  assert.equal(withA.code, 0, withA.stderr);
  assert.equal(withA.stdout, 'odd: OK\nthree: OK\nempty: OK\n\\new\\nline: OK\n', 'the ADLER32 line does not match -a crc32');
  assert.equal(withA.stderr, 'parawasm sum: WARNING: 1 line is improperly formatted\n');
});

test('--check: improperly formatted lines are counted, -w names them, --strict fails', async () => {
  const c = (n) => crc32(data.get(n));
  const name = list('malformed.crc', `${c('odd')}  odd\nnot a checksum line\n${c('three')}\tthree\n` +
    `${c('one byte').slice(1)}  one byte\n\\${c('odd')}  bad\\qescape\n${c('three')}  three\n`);
  const [plain, warn, strict] = await Promise.all([
    sum(['-a', 'crc32', '-c', name]),
    sum(['-a', 'crc32', '-c', '-w', name]),
    sum(['-a', 'crc32', '-c', '--strict', name]),
  ]);
  assert.equal(plain.code, 0);
  assert.equal(plain.stdout, 'odd: OK\nthree: OK\n');
  assert.equal(plain.stderr, 'parawasm sum: WARNING: 4 lines are improperly formatted\n');
  assert.equal(warn.code, 0);
  assert.equal(warn.stderr, [2, 3, 4, 5].map((n) => `parawasm sum: ${name}: ${n}: improperly formatted CRC32 checksum line\n`).join('') +
    'parawasm sum: WARNING: 4 lines are improperly formatted\n');
  assert.equal(strict.code, 1);
  assert.equal(strict.stdout, 'odd: OK\nthree: OK\n');

  const empty = list('nothing.crc', 'nothing here\n');
  const [none, noList] = await Promise.all([
    sum(['-a', 'crc32', '-c', empty]),
    sum(['-a', 'crc32', '-c', 'no such list', empty]),
  ]);
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr, `parawasm sum: ${empty}: no properly formatted checksum lines found\n`);
  assert.equal(noList.code, 1);
  assert.match(noList.stderr, /^parawasm sum: no such list: No such file or directory\n/);
});

// ------------------------------------------------------------ command line

test('bad options and arguments: a message on stderr and exit 2', async () => {
  const cases = [
    [['sum', '--bogus'], /unrecognized option '--bogus'/],
    [['sum', '-x'], /invalid option -- 'x'/],
    [['sum', '-a'], /option requires an argument -- 'a'/],
    [['sum', '--algorithm'], /option '--algorithm' requires an argument/],
    [['sum', '-a', 'sha3'], /unknown algorithm 'sha3' \(known: crc32, .*blake3\)/],
    [['sum', '-j', '0', 'odd'], /invalid number of threads '0'/],
    [['sum', '--threads', 'many', 'odd'], /invalid number of threads 'many'/],
    [['sum', '-a', 'crc32', '--length', '16', 'odd'], /--length applies to blake3 only/],
    [['sum', '--length', '0', 'odd'], /invalid length '0'/],
    [['sum', '-a', 'crc32', '--seed', '1', 'odd'], /--seed applies to xxh32, xxh64, xxh3, xxh128 only/],
    [['sum', '-a', 'xxh32', '--seed', '4294967296', 'odd'], /invalid --seed '4294967296' for xxh32 \(at most 4294967295\)/],
    [['sum', '-c', '--seed', '0x10000000000000000', 'good.crc'], /invalid --seed '0x10000000000000000' \(at most 18446744073709551615\)/],
    [['sum', '--quiet', 'odd'], /the --quiet option is meaningful only when verifying checksums/],
    [['sum', '-c', '--tag', 'good.crc'], /the --tag option is meaningless when verifying checksums/],
    [['sum', '--check=x'], /option '--check' doesn't allow an argument/],
    [['sum', '--s'], /option '--s' is ambiguous/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(args)));
  runs.forEach((r, i) => {
    const [args, message] = cases[i];
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
    assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    assert.match(r.stderr, new RegExp(`^parawasm sum: ${message.source}`), `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /Try 'parawasm sum --help' for more information\.\n$/);
  });
});

test('a missing or unknown command prints the usage and exits 2', async () => {
  const [none, unknown, help] = await Promise.all([cli([]), cli(['frobnicate']), cli(['--help'])]);
  for (const r of [none, unknown]) {
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Usage: parawasm COMMAND/);
    assert.match(r.stderr, /^ {2}sum /m);
  }
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: parawasm COMMAND/);
});

test('--help lists every option, --version prints the package version', async () => {
  const [help, short, version, topVersion] = await Promise.all([
    cli(['sum', '--help']), cli(['sum', '-h']), cli(['sum', '--version']), cli(['--version']),
  ]);
  assertOk(help, '--help');
  assert.equal(short.stdout, help.stdout);
  assert.match(help.stdout, /^Usage: parawasm sum \[OPTION\]\.\.\. \[FILE\]\.\.\./);
  for (const opt of ['-a, --algorithm', '-l, --length', '--seed', '-b, --binary', '-t, --text', '--tag',
    '-r, --recursive', '-j, --threads', '-c, --check', '--ignore-missing', '--quiet', '--status', '--strict',
    '-w, --warn', '-h, --help', '--version', 'PARAWASM_PROGRESS']) {
    assert.ok(help.stdout.includes(opt), `--help mentions ${opt}`);
  }
  const { version: v } = JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8'));
  assertOk(version, '--version');
  assert.equal(version.stdout, `parawasm ${v}\n`);
  assert.equal(topVersion.stdout, `parawasm ${v}\n`);
});

test('the package declares the command as its bin', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8'));
  assert.equal(manifest.bin?.parawasm, 'lib/cli.js');
  assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

// ------------------------------------------- the hashes of other branches

for (const [alg, cmd] of [['sha256', 'sha256sum'], ['md5', 'md5sum'], ['sha1', 'sha1sum']]) {
  test(`${alg}: the same output as ${cmd}, byte for byte (--tag too)`, { skip: skipUnless(alg, cmd) }, async () => {
    const [r, tag] = await Promise.all([sum(['-a', alg, ...NAMES]), sum(['-a', alg, '--tag', ...NAMES])]);
    assertOk(r, `sum -a ${alg}`);
    assert.equal(r.stdout, tool(cmd, NAMES).stdout);
    assert.equal(r.stdout, expectedLines(NAMES, (b) => createHash(alg).update(b).digest('hex')));
    assertOk(tag, `sum -a ${alg} --tag`);
    assert.equal(tag.stdout, tool(cmd, ['--tag', ...NAMES]).stdout);
  });
}

test('sha256 --check of a list written by sha256sum: the same output and status', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  put('victim', randomBytes(1000, 3));
  put('gone', randomBytes(10, 4));
  const names = ['odd', 'victim', 'gone', 'new\nline', 'back\\slash', 'two pieces'];
  const made = tool('sha256sum', names);
  list('gnu.sha256', made.stdout);
  put('victim', randomBytes(1000, 33));
  rmSync(join(dir, 'gone'));
  data.delete('gone');
  const want = tool('sha256sum', ['-c', 'gnu.sha256']);
  const [r, guessed, tagged] = await Promise.all([
    sum(['-a', 'sha256', '-c', 'gnu.sha256']),
    sum(['-c', 'gnu.sha256']), // 64 digits without -a: blake3
    sum(['-c'], { input: tool('sha256sum', ['--tag', 'odd', 'back\\slash']).stdout }),
  ]);
  assert.equal(r.code, want.code);
  assert.equal(r.stdout, want.stdout);
  const warnings = (s) => s.split('\n').filter((l) => l.includes('WARNING')).map((l) => l.replace(/^[^:]+: /, ''));
  assert.deepEqual(warnings(r.stderr), warnings(want.stderr));
  assert.equal(guessed.code, 1);
  assert.match(guessed.stdout, /^odd: FAILED$/m, 'checked as blake3 checksums');
  assertOk(tagged, 'SHA256 tagged lines need no -a');
  assert.equal(tagged.stdout, 'odd: OK\nback\\slash: OK\n');
});

test('blake3 (the default): digests, --length, and --check without -a', { skip: notBuilt('blake3') }, async () => {
  const { blake3 } = await import('hash-wasm');
  const names = ['empty', 'one byte', 'small+1', 'two pieces', 'new\nline'];
  const ref = async (bits) => (await Promise.all(names.map(async (n) => {
    const [pre, esc] = gnuName(n);
    return `${pre}${await blake3(data.get(n), bits)}  ${esc}\n`;
  }))).join('');
  const [plain, long, short] = await Promise.all([
    sum(names), sum(['-l', '64', ...names]), sum(['--length=20', ...names]),
  ]);
  assertOk(plain, 'sum (blake3)');
  assert.equal(plain.stdout, await ref(256));
  assert.equal(plain.stdout, (await sum(['-a', 'blake3', ...names])).stdout);
  assertOk(long, 'sum -l 64');
  assert.equal(long.stdout, await ref(512));
  assertOk(short, 'sum --length=20');
  assert.equal(short.stdout, await ref(160));
  list('b3.txt', plain.stdout + long.stdout);
  const check = await sum(['-c', 'b3.txt']);
  assertOk(check, 'check blake3 lines of 64 and 128 digits without -a');
  assert.equal(check.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, 2 * names.length);
  const tree = await sum(['-r', 'tree']);
  assertOk(tree, 'sum -r (blake3 in batches)');
  const lines = tree.stdout.trim().split('\n');
  assert.equal(lines.length, [...data.keys()].filter((k) => k.startsWith('tree/')).length);
  for (const line of lines.slice(0, 50)) {
    const [digest, name] = line.split('  ');
    assert.equal(digest, await blake3(data.get(name)), name);
  }
});

test('xxh64 with --seed', { skip: notBuilt('xxh64') }, async () => {
  const { xxhash64 } = await import('hash-wasm');
  const names = ['empty', 'odd', 'piece+1'];
  const seed = 0x123456789abcdefn;
  const r = await sum(['-a', 'xxh64', '--seed', `0x${seed.toString(16)}`, ...names]);
  assertOk(r, 'sum -a xxh64 --seed');
  const want = await Promise.all(names.map(async (n) => `${await xxhash64(data.get(n),
    Number(seed & 0xffffffffn), Number(seed >> 32n))}  ${n}\n`));
  assert.equal(r.stdout, want.join(''));
});

// ------------------------------------------------- names that are not UTF-8
// A file name is bytes. These tests run the CLI and the coreutils through
// bash, whose $'\xHH' quoting passes any bytes as an argument (Node's own
// spawn() can pass UTF-8 only), and take their output as bytes.

/** An argument (a string, as UTF-8, or bytes) quoted for bash, byte by byte. */
const shq = (a) => `$'${[...Buffer.from(a)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
/** A command line of bash from arguments (strings and Buffers). */
const shCommand = (argv) => argv.map(shq).join(' ');
const CLI_ARGV = [process.execPath, CLI];

/**
 * Runs a bash script in the data folder; resolves to { code, signal,
 * stdout, stderr } (Buffers). stdout: 'pipe' or a file descriptor.
 */
function bash(script, { input, stdout = 'pipe', timeout = HANG_MS } = {}) {
  const env = { ...process.env };
  delete env.PARAWASM_PROGRESS;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: dir, env, stdio: ['pipe', stdout, 'pipe'] });
    const out = [];
    const err = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') reject(new Error(`${script}: did not end by itself; stderr: ${Buffer.concat(err)}`));
      else resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/** `parawasm sum -j 2 ...args` through bash (args: strings and Buffers). */
const sumBytes = (args, opts) => bash(`exec ${shCommand([...CLI_ARGV, 'sum', '-j', '2', ...args])}`, opts);
/** A coreutils tool through bash. */
const toolBytes = (cmd, args, opts) => bash(`exec ${shCommand([cmd, ...args])}`, opts);

const b = (s) => Buffer.from(s, 'latin1'); // one character a byte: b('\xff') is the byte 0xff
const bcat = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** A name (bytes) as coreutils writes it in a line: [prefix, escaped name]. */
function gnuNameBytes(name) {
  if (!/[\\\n\r]/.test(name.toString('latin1'))) return ['', name];
  return ['\\', b(name.toString('latin1').replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r'))];
}

/** The expected `HEX  NAME` lines (bytes) of files (paths as bytes, relative to dir). */
function expectedLinesBytes(paths, alg) {
  return bcat(...paths.map((p) => {
    const [pre, esc] = gnuNameBytes(p);
    return bcat(pre, createHash(alg).update(readFileSync(bcat(dir, '/', p))).digest('hex'), '  ', esc, '\n');
  }));
}

// under bytes/: names that are not UTF-8, alone and with a newline or a
// backslash, a valid UTF-8 one, and a folder whose name is not UTF-8
const ODD_NAMES = [b('bad\xffname'), b('latin1 caf\xe9'), b('nl\n\xfe'), b('bs\\\xfd'), Buffer.from('utf8 café'), b('cr\r\xfc')];
const ODD_SUB = b('sub\xfa');
const ODD_INNER = [b('inner\xfb'), b('Inner\xf9')];
const oddTop = ODD_NAMES.map((n) => bcat('bytes/', n));
const oddAll = [...oddTop, ...ODD_INNER.map((n) => bcat('bytes/', ODD_SUB, '/', n))];
const byBytes = (x, y) => Buffer.compare(x, y);

before(() => {
  mkdirSync(join(dir, 'bytes'));
  mkdirSync(bcat(dir, '/bytes/', ODD_SUB));
  oddAll.forEach((p, i) => writeFileSync(bcat(dir, '/', p), randomBytes(100 + 37 * i, 500 + i)));
});

test('non-UTF-8 names as arguments: opened, and written as their bytes, as sha256sum does', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const [r, gnu, tag, gnuTag] = await Promise.all([
    sumBytes(['-a', 'sha256', ...oddTop]), toolBytes('sha256sum', oddTop),
    sumBytes(['-a', 'sha256', '--tag', ...oddTop]), toolBytes('sha256sum', ['--tag', ...oddTop]),
  ]);
  assert.equal(r.code, 0, r.stderr.toString());
  assert.equal(r.stderr.length, 0);
  assert.deepEqual(r.stdout, expectedLinesBytes(oddTop, 'sha256'));
  assert.equal(gnu.code, 0);
  assert.deepEqual(r.stdout, gnu.stdout, 'byte for byte as sha256sum');
  assert.deepEqual(tag.stdout, gnuTag.stdout, '--tag: byte for byte as sha256sum --tag');

  const missing = await sumBytes(['-a', 'sha256', b('no\xffsuch'), oddTop[0], b('no\n\xffline')]);
  assert.equal(missing.code, 1);
  assert.deepEqual(missing.stdout, expectedLinesBytes([oddTop[0]], 'sha256'));
  assert.deepEqual(missing.stderr, b('parawasm sum: no\xffsuch: No such file or directory\n' +
    'parawasm sum: no\\n\xffline: No such file or directory\n'), 'the name as its bytes, escaped as in lines');
});

test('-r walks names that are not UTF-8, in byte order, as sha256sum of each path', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const sorted = [...oddAll].sort(byBytes);
  const [r, slash, gnu] = await Promise.all([
    sumBytes(['-r', '-a', 'sha256', 'bytes']),
    sumBytes(['-r', '-a', 'sha256', bcat('bytes/', ODD_SUB, '/')]),
    toolBytes('sha256sum', sorted),
  ]);
  assert.equal(r.code, 0, r.stderr.toString());
  assert.deepEqual(r.stdout, expectedLinesBytes(sorted, 'sha256'));
  assert.deepEqual(r.stdout, gnu.stdout, 'byte for byte as sha256sum of the sorted paths');
  const inner = ODD_INNER.map((n) => bcat('bytes/', ODD_SUB, '/', n)).sort(byBytes);
  assert.equal(slash.code, 0, slash.stderr.toString());
  assert.deepEqual(slash.stdout, expectedLinesBytes(inner, 'sha256'), 'a non-UTF-8 directory operand');
});

test('-c of a list of non-UTF-8 names written by sha256sum: the same output and status', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const victim = b('bytes/victim\xff');
  const gone = bcat('bytes/', b('gone\n\xfe'));
  writeFileSync(bcat(dir, '/', victim), randomBytes(300, 61));
  writeFileSync(bcat(dir, '/', gone), randomBytes(30, 62));
  const names = [...oddAll, victim, gone];
  const made = await toolBytes('sha256sum', names);
  assert.equal(made.code, 0);
  writeFileSync(join(dir, 'odd.sha256'), made.stdout);
  const madeTag = await toolBytes('sha256sum', ['--tag', ...names]);
  writeFileSync(join(dir, 'odd-tag.sha256'), madeTag.stdout);
  writeFileSync(bcat(dir, '/', victim), randomBytes(300, 63));
  rmSync(bcat(dir, '/', gone));
  try {
    const [want, r, stdin, tagged, wantTagged] = await Promise.all([
      toolBytes('sha256sum', ['-c', 'odd.sha256']),
      sumBytes(['-a', 'sha256', '-c', 'odd.sha256']),
      sumBytes(['-a', 'sha256', '-c'], { input: made.stdout }),
      sumBytes(['-c', 'odd-tag.sha256']),
      toolBytes('sha256sum', ['-c', 'odd-tag.sha256']),
    ]);
    assert.equal(want.code, 1);
    for (const [x, w] of [[r, want], [stdin, want], [tagged, wantTagged]]) {
      assert.equal(x.code, w.code);
      assert.deepEqual(x.stdout, w.stdout, 'byte for byte as sha256sum -c');
      const warnings = (s) => s.toString('latin1').split('\n').filter((l) => l.includes('WARNING')).map((l) => l.replace(/^[^:]+: /, ''));
      assert.deepEqual(warnings(x.stderr), warnings(w.stderr));
      assert.ok(x.stderr.includes(b('parawasm sum: bytes/gone\\n\xfe: No such file or directory\n')), x.stderr.toString('latin1'));
    }
    // independent of sha256sum: every name but the two changed ones is OK
    const oks = r.stdout.toString('latin1').split('\n').filter((l) => l.endsWith(': OK'));
    assert.equal(oks.length, oddAll.length);
    assert.ok(r.stdout.includes(bcat(victim, ': FAILED\n')));
    assert.ok(r.stdout.includes(b('\\bytes/gone\\n\xfe: FAILED open or read\n')));
  } finally {
    rmSync(bcat(dir, '/', victim));
  }
});

test('the bytes of the arguments: from /proc/self/cmdline when they line up, else their UTF-8', async () => {
  const { rawArgs } = await import(join(ROOT, 'pkg/lib/cli/args.js'));
  const args = ['sum', 'a\ufffdb', '', 'é'];
  const cmdline = (...entries) => () => bcat(...entries.map((e) => bcat(e, '\0')));
  const real = cmdline('node', '--no-warnings', '/x/cli.js', 'sum', b('a\xffb'), '', 'é');
  assert.deepEqual(rawArgs(args, real), [Buffer.from('sum'), b('a\xffb'), Buffer.alloc(0), Buffer.from('é')]);
  const utf8 = args.map((a) => Buffer.from(a));
  assert.deepEqual(rawArgs(args, () => { throw Object.assign(new Error('no /proc'), { code: 'ENOENT' }); }), utf8, 'no /proc');
  assert.deepEqual(rawArgs(args, cmdline('renamed')), utf8, 'fewer entries than arguments');
  assert.deepEqual(rawArgs(args, cmdline('node', 'x', 'sum', b('a\xffc'), '', 'é')), utf8, 'a changed argument');
  assert.deepEqual(rawArgs(args, cmdline('node', 'x', 'sum', 'a\ufffdb', 'é', '')), utf8, 'not lined up');
  assert.deepEqual(rawArgs([], real), []);
  // this process's own arguments: the test runner's, which are UTF-8
  assert.deepEqual(rawArgs(), process.argv.slice(2).map((a) => Buffer.from(a)));
});

// ------------------------------------------------------ options as in GNU

const gnuPrefix = (text, cmd) => text.replaceAll(`${cmd}: `, 'parawasm sum: ');

test('--status, --quiet and -w override each other as in sha256sum: the last one wins', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  put('changes', randomBytes(500, 71));
  put('vanishes', randomBytes(50, 72));
  const made = tool('sha256sum', ['odd', 'changes', 'vanishes', 'three']).stdout;
  const lines = made.split('\n');
  list('modes.sha256', `${lines[0]}\nnot a checksum line\n${lines.slice(1).join('\n')}`);
  put('changes', randomBytes(500, 73));
  rmSync(join(dir, 'vanishes'));
  data.delete('vanishes');
  const combos = [
    [], ['--status'], ['--quiet'], ['-w'], ['--warn'],
    ['--status', '--quiet'], ['--quiet', '--status'], ['--status', '-w'], ['-w', '--status'],
    ['--quiet', '-w'], ['-w', '--quiet'], ['--status', '--quiet', '-w'], ['-w', '--quiet', '--status'],
    ['--quiet', '--status', '--quiet'], ['--status', '--strict', '--quiet'], ['-w', '--strict', '--status'],
    ['--status', '--ignore-missing', '-w'], ['--quiet', '--ignore-missing'],
  ];
  for (const c of combos) { // one at a time: each starts a pool
    const what = `-c ${c.join(' ')}`;
    const r = await sum(['-a', 'sha256', '-c', ...c, 'modes.sha256']);
    const want = tool('sha256sum', ['-c', ...c, 'modes.sha256']);
    assert.equal(r.code, want.code, `${what}: exit status`);
    assert.equal(r.stdout, want.stdout, `${what}: stdout`);
    assert.equal(r.stderr, gnuPrefix(want.stderr, 'sha256sum'), `${what}: stderr`);
  }
});

test('-b and -t: the last one wins; the options that need -c are refused in the order sha256sum checks them', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  for (const c of [['-b', '-t'], ['-t', '-b'], ['-b', '-t', '-b'], ['--text', '--binary', '--text']]) {
    const r = await sum(['-a', 'sha256', ...c, 'odd', 'back\\slash']);
    assertOk(r, c.join(' '));
    assert.equal(r.stdout, tool('sha256sum', [...c, 'odd', 'back\\slash']).stdout, c.join(' '));
  }
  const refused = [
    ['--quiet', '-w'], ['-w', '--quiet'], ['--status', '--quiet'], ['--quiet', '--status'], ['--status', '-w'],
    ['-w', '--status'], ['--strict', '--quiet'], ['--quiet', '--strict'], ['--ignore-missing', '--quiet'],
    ['--quiet', '--ignore-missing'], ['--strict', '-w'], ['--strict'], ['-c', '-b'], ['-c', '-t'], ['-c', '-t', '-b'],
    ['-c', '--tag', '-b'],
  ];
  const runs = await Promise.all(refused.map((c) => sum(['-a', 'sha256', ...c, 'odd'])));
  runs.forEach((r, i) => {
    const want = tool('sha256sum', [...refused[i], 'odd']);
    assert.notEqual(want.code, 0);
    assert.equal(r.code, 2, `${refused[i].join(' ')}: a usage error`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], gnuPrefix(want.stderr.split('\n')[0], 'sha256sum'), refused[i].join(' '));
  });
});

test('--tag with -t after it is refused as sha256sum refuses it; -t before --tag, or -b after, is not', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const combos = [['--tag', '-t'], ['--tag', '--text'], ['-t', '--tag', '-t'], ['--tag', '-t', '--quiet'], ['-c', '--tag', '-t'],
    ['-t', '--tag'], ['--tag', '-t', '-b'], ['-c', '-t', '--tag']];
  const runs = await Promise.all(combos.map((c) => sum(['-a', 'sha256', ...c, 'odd'])));
  runs.forEach((r, i) => {
    const what = combos[i].join(' ');
    const want = tool('sha256sum', [...combos[i], 'odd']);
    assert.equal(r.code, want.code === 1 ? 2 : want.code, `${what}: exit status (a usage error is 2)`);
    assert.equal(r.stdout, want.stdout, what);
    assert.equal(r.stderr.split('\n')[0], gnuPrefix(want.stderr.split('\n')[0], 'sha256sum'), what);
  });
  assert.match(runs[0].stderr, /^parawasm sum: --tag does not support --text mode\nTry 'parawasm sum --help'/);
});

// ------------------------------------------------------------ write errors

const hasDevFull = (() => {
  try {
    return statSync('/dev/full').isCharacterDevice();
  } catch {
    return false;
  }
})();

test('a full stdout (> /dev/full): "write error" and status 1 as sha256sum, no stack trace', {
  skip: skipUnless('sha256', 'sha256sum') || (!hasDevFull && 'no /dev/full'),
}, async () => {
  list('full.sha256', `${tool('sha256sum', ['odd', 'three']).stdout}${'0'.repeat(64)}  empty\n`);
  const inTree = [...data.keys()].filter((k) => k.startsWith('tree/')).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  const cases = [
    [['odd'], ['odd']],
    [['odd', 'nosuch', 'three'], ['odd', 'nosuch', 'three']],
    [['--tag', 'odd'], ['--tag', 'odd']],
    [['-r', 'tree'], inTree], // more than one write
    [['--help'], ['--help']],
    [['--version'], ['--version']],
    [['-c', 'full.sha256'], ['-c', 'full.sha256']],
    [['-c', '--quiet', 'full.sha256'], ['-c', '--quiet', 'full.sha256']],
    [['-c', '--status', 'full.sha256'], ['-c', '--status', 'full.sha256']], // writes nothing
    [['nosuch'], ['nosuch']],
  ];
  for (const [ours, theirs] of cases) {
    const r = await bash(`exec ${shCommand([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', ...ours])} > /dev/full`);
    const want = await bash(`exec ${shCommand(['sha256sum', ...theirs])} > /dev/full`);
    assert.equal(r.code, want.code, `${ours.join(' ')}: exit status`);
    assert.equal(r.stderr.toString(), gnuPrefix(want.stderr.toString(), 'sha256sum'), `${ours.join(' ')}: stderr`);
  }
  const top = await bash(`exec ${shCommand([...CLI_ARGV, '--help'])} > /dev/full`);
  assert.equal(top.code, 1);
  assert.equal(top.stderr.toString(), 'parawasm: write error\n');
});

test('a closed pipe (| head -1): silent, status 1 where sha256sum dies of SIGPIPE', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  // ten times the tree: far more output than a pipe holds, so that writes
  // go on after head has exited
  const inTree = [...data.keys()].filter((k) => k.startsWith('tree/')).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  const piped = (command, input) => bash(`${command} | head -1; echo "status \${PIPESTATUS[0]}"`, { input });
  const [r, want] = await Promise.all([
    piped(shCommand([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', '-r', ...Array(10).fill('tree')])),
    // the names come on stdin: one script argument cannot hold them all
    piped('mapfile -t f; sha256sum "${f[@]}"', Array(10).fill(inTree).flat().join('\n')),
  ]);
  const [line, status] = r.stdout.toString().split('\n');
  const [wantLine, wantStatus] = want.stdout.toString().split('\n');
  assert.equal(line, wantLine);
  assert.equal(r.stderr.toString(), '', 'nothing on stderr');
  assert.equal(want.stderr.toString(), '');
  assert.equal(status, 'status 1');
  assert.equal(wantStatus, 'status 141', 'sha256sum: killed by SIGPIPE (128 + 13)');
});

test('a failing stderr (2> /dev/full) changes neither stdout nor the status, as with sha256sum', {
  skip: skipUnless('sha256', 'sha256sum') || (!hasDevFull && 'no /dev/full'),
}, async () => {
  for (const args of [['odd'], ['odd', 'nosuch', 'three']]) {
    const r = await bash(`exec ${shCommand([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', ...args])} 2> /dev/full`);
    const want = await bash(`exec ${shCommand(['sha256sum', ...args])} 2> /dev/full`);
    assert.equal(r.code, want.code, args.join(' '));
    assert.deepEqual(r.stdout, want.stdout, args.join(' '));
  }
});

// ------------------------------------------------ -c: lists read line by line

test('--check reads its list line by line: the first result comes while standard input is still open', async () => {
  const c = (n) => crc32(data.get(n));
  const env = { ...process.env };
  delete env.PARAWASM_PROGRESS;
  const child = spawn(process.execPath, [CLI, 'sum', '-j', '2', '-a', 'crc32', '-c'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  child.stdin.on('error', () => {});
  let exited = false;
  const closed = new Promise((resolve) => child.on('close', (code) => { exited = true; resolve(code); }));
  try {
    child.stdin.write(`${c('odd')}  odd\n`);
    // the old reader took the whole list first: nothing until stdin ended
    await until(() => stdout !== '' || exited, 'result of the first line while the list is open');
    assert.equal(exited, false, `exited early; stderr: ${stderr}`);
    assert.equal(stdout, 'odd: OK\n');
    // then a CRLF line and a last line without a newline
    child.stdin.end(`${c('three')}  three\r\n${c('empty')}  empty`);
    assert.equal(await closed, 0, stderr);
    assert.equal(stdout, 'odd: OK\nthree: OK\nempty: OK\n');
    assert.equal(stderr, '');
  } finally {
    child.kill('SIGKILL');
  }
});

test('--check of a list of many lines: every line across the pieces it is read in, in order', async () => {
  const c = (n) => crc32(data.get(n));
  const inTree = [...data.keys()].filter((k) => k.startsWith('tree/') && !k.includes('link'));
  const lines = [`${c('odd')}  odd\n`];
  const want = ['odd: OK\n'];
  // more missing files than results may wait behind the first batch
  for (let i = 0; i < 20000; i++) {
    lines.push(`${'0'.repeat(8)}  missing ${i}\n`);
    want.push(`missing ${i}: FAILED open or read\n`);
  }
  const styles = [(h, n) => `${h}  ${n}\n`, (h, n) => `${h}  ${n}\r\n`, (h, n) => `CRC32 (${n}) = ${h}\n`, (h, n) => `${h} *${n}\n`];
  for (let i = 0; i < 12000; i++) {
    const n = inTree[i % inTree.length];
    lines.push(styles[i % styles.length](c(n), n));
    want.push(`${n}: OK\n`);
    if (i === 6000) lines.push(`${'f'.repeat(17 * MiB)}  too long\n`); // improperly formatted
  }
  lines.push(`\\${c('new\nline')}  new\\nline`); // escaped, without a newline
  want.push('\\new\\nline: OK\n');
  const name = list('many.crc', lines.join(''));
  assert.ok(statSync(join(dir, name)).size > 17 * MiB);
  const r = await sum(['-a', 'crc32', '-c', '-w', name]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, want.join(''));
  const err = r.stderr.split('\n');
  assert.equal(err.filter((l) => l.endsWith(': No such file or directory')).length, 20000);
  assert.deepEqual(err.slice(-4), [
    `parawasm sum: ${name}: ${1 + 20000 + 6001 + 1}: improperly formatted CRC32 checksum line`,
    'parawasm sum: WARNING: 1 line is improperly formatted',
    'parawasm sum: WARNING: 20000 listed files could not be read', ''], 'the line over 16 MiB');
  rmSync(join(dir, name));
});

test('--check --seed without -a: a seed too big for the algorithm of a line is a usage error at that line', { skip: notBuilt('xxh64') }, async () => {
  const [x64, x32] = await Promise.all([
    sum(['-a', 'xxh64', '--seed', '0x100000000', '--tag', 'odd']),
    sum(['-a', 'xxh32', '--tag', 'three']),
  ]);
  assertOk(x64, 'sum -a xxh64');
  const name = list('seeds.xxh', x64.stdout + x32.stdout + x64.stdout);
  const [r, stdin, fits] = await Promise.all([
    sum(['-c', '--seed', '0x100000000', name]),
    sum(['-c', '--seed', '0x100000000'], { input: x64.stdout + x32.stdout }),
    sum(['-c', '--seed', '0x100000000', '--ignore-missing'], { input: x64.stdout }),
  ]);
  const usage = (list) => `parawasm sum: invalid --seed '0x100000000' for xxh32 (at most 4294967295), the algorithm of line 2 of ${list}\n` +
    "Try 'parawasm sum --help' for more information.\n";
  for (const [x, listName] of [[r, name], [stdin, 'standard input']]) {
    assert.equal(x.code, 2, x.stderr);
    assert.equal(x.stdout, 'odd: OK\n', 'the lines before it are checked, none after');
    assert.equal(x.stderr, usage(listName), 'not a file that could not be read');
  }
  assertOk(fits, 'xxh64 lines take a 64-bit seed');
  assert.equal(fits.stdout, 'odd: OK\n');
});

test('-c -w: warnings of improperly formatted lines come in line order with the results, as in sha256sum', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const made = tool('sha256sum', ['odd', 'three']).stdout.split('\n');
  const name = list('order.sha256', `${made[0]}\n${'1'.repeat(64)}  missing\ngarbage\n${made[1]}\nnot hex  odd\n`);
  const merged = (argv) => bash(`exec ${shCommand(argv)} 2>&1`);
  for (const c of [['-w'], ['-w', '--quiet'], ['-w', '--strict']]) {
    const [r, want] = await Promise.all([
      merged([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', '-c', ...c, name]),
      merged(['sha256sum', '-c', ...c, name]),
    ]);
    assert.equal(r.code, want.code, c.join(' '));
    assert.equal(r.stdout.toString(), gnuPrefix(want.stdout.toString(), 'sha256sum'), `${c.join(' ')}: stdout and stderr in one`);
  }
});

test('-c: a NUL in a listed name cuts it there, as in sha256sum; an escaped name with a NUL is improperly formatted', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const h = (n) => createHash('sha256').update(data.get(n)).digest('hex');
  const name = list('nul.sha256', `${h('odd')}  odd\0junk\n\\${h('odd')}  odd\0junk\nSHA256 (three\0x) = ${h('three')}\n` +
    `\\SHA256 (three\0x) = ${h('three')}\n${h('one byte')}  one byte\0\n`);
  const merged = (argv) => bash(`exec ${shCommand(argv)} 2>&1`);
  const [r, want] = await Promise.all([
    merged([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', '-c', '-w', name]),
    merged(['sha256sum', '-c', '-w', name]),
  ]);
  assert.equal(r.code, 0, r.stdout.toString());
  assert.equal(r.stdout.includes(0), false, 'no NUL written');
  assert.equal(r.stdout.toString(), gnuPrefix(want.stdout.toString(), 'sha256sum'));
  assert.equal(r.stdout.toString(), `odd: OK\nparawasm sum: ${name}: 2: improperly formatted SHA256 checksum line\nthree: OK\n` +
    `parawasm sum: ${name}: 4: improperly formatted SHA256 checksum line\none byte: OK\nparawasm sum: WARNING: 2 lines are improperly formatted\n`);
  // a name that is nothing before the NUL (sha256sum opens ""): improperly formatted
  const empty = await sum(['-a', 'sha256', '-c', '-w', list('nul-empty.sha256', `${h('odd')}  \0odd\n${h('odd')}  odd\n`)]);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, 'odd: OK\n');
  assert.equal(empty.stderr, 'parawasm sum: nul-empty.sha256: 1: improperly formatted SHA256 checksum line\n' +
    'parawasm sum: WARNING: 1 line is improperly formatted\n');
});

test('-c of a list on standard input that names "-": improperly formatted, as in sha256sum; a list file may name it', { skip: skipUnless('sha256', 'sha256sum') }, async () => {
  const input = 'some input\n';
  const h = createHash('sha256').update(input).digest('hex');
  const dashList = list('dash.sha256', `${h}  -\n`);
  const merged = (argv, opts) => bash(`exec ${shCommand(argv)} 2>&1`, opts);
  const cases = [
    [['-c'], `${h}  -\n`],
    [['-c', '-w'], `${h}  -\n${createHash('sha256').update(data.get('odd')).digest('hex')}  odd\n`],
    [['-c', dashList], input],
  ];
  for (const [args, stdin] of cases) {
    const [r, want] = await Promise.all([
      merged([...CLI_ARGV, 'sum', '-j', '2', '-a', 'sha256', ...args], { input: stdin }),
      merged(['sha256sum', ...args], { input: stdin }),
    ]);
    assert.equal(r.code, want.code, args.join(' '));
    // sha256sum quotes 'standard input'
    assert.equal(r.stdout.toString(), gnuPrefix(want.stdout.toString(), 'sha256sum').replaceAll("'standard input'", 'standard input'), args.join(' '));
  }
});

test('-c accepts openssl-style tagged lines, MD5(NAME)= HEX, and the spacings coreutils accepts', { skip: skipUnless('md5', 'md5sum') }, async () => {
  const h = (alg, n) => createHash(alg).update(data.get(n)).digest('hex');
  const md5 = (n) => h('md5', n);
  const name = list('openssl.md5', `MD5(odd)= ${md5('odd')}\nMD5 (three)=${md5('three')}\nMD5(empty) =${md5('empty')}\n` +
    `MD5 (one byte)\t=\t${md5('one byte')}\nMD5  (odd) = ${md5('odd')}\nMD5(odd)= ${md5('odd')} \nMD5(odd)= ${md5('three')}\n`);
  const merged = (argv) => bash(`exec ${shCommand(argv)} 2>&1`);
  const [r, want] = await Promise.all([
    merged([...CLI_ARGV, 'sum', '-j', '2', '-a', 'md5', '-c', '-w', name]),
    merged(['md5sum', '-c', '-w', name]),
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.code, want.code);
  assert.equal(r.stdout.toString(), gnuPrefix(want.stdout.toString(), 'md5sum'));
  assert.match(r.stdout.toString(), /^odd: OK\nthree: OK\nempty: OK\none byte: OK\n/);

  // without -a each line names its algorithm; OpenSSL 3 names sha256 SHA2-256
  const shaList = list('openssl.sha', `SHA2-256(odd)= ${h('sha256', 'odd')}\nSHA1(three)= ${h('sha1', 'three')}\n` +
    `SHA256(empty)= ${h('sha256', 'empty')}\nSHA2-224(odd)= ${h('sha224', 'odd')}\n`);
  const shas = await sum(['-c', shaList]);
  assertOk(shas, 'SHA2-256, SHA1, SHA256 and SHA2-224 lines');
  assert.equal(shas.stdout, 'odd: OK\nthree: OK\nempty: OK\nodd: OK\n');
});
