// `parawasm sum --check`: reads checksum lists (the lines sha256sum, md5sum,
// b3sum and `parawasm sum` write, and BSD-style tagged lines), hashes every
// file they name, and reports OK / FAILED as coreutils does, with the same
// warnings and exit status.

import { ALGORITHMS, AMBIGUOUS, BY_HEX_LENGTH, BY_TAG, MAX_LENGTH, SEED_MAX, hashSpec, seedTooBig } from './algorithms.js';
import { UsageError } from './args.js';
import { Hasher, Ordered, bytes, errorText, escapeName, isStdin, listLines, unescapeName } from './io.js';

// A list is read as bytes and its lines decoded as latin1, one character a
// byte: the syntax is ASCII, and a name is taken back to the exact bytes
// it was written with, UTF-8 or not, to be opened as they are. It is read
// a piece at a time (listLines()), each line checked as it comes, so that
// a list of any length takes the same memory and its first results are
// printed while it is still being written.

/**
 * Results queued and not yet printed at most: past this the list waits for
 * them (files that are missing, say, queue behind a batch of small files
 * still being hashed). Four batches of the Hasher (4096 files at most
 * each), so that batching goes on undisturbed.
 */
const MAX_WAITING = 1 << 14;

// A tagged line: ALGO (NAME) = HEX, as --tag writes it, with the spacings
// coreutils accepts too: "ALGO(NAME)= HEX" (openssl dgst), "(NAME)=HEX"...
// The name runs to the last ')', as in coreutils.
const TAG_START = /^([A-Za-z0-9-]+) ?\(/;
const TAGGED = /^[A-Za-z0-9-]+ ?\((.*)\)[ \t]*=[ \t]*([0-9A-Fa-f]+)$/s;

/**
 * One line of a checksum list (a latin1 string; null: a line too long to
 * hold, see listLines()): { hex, name, tagged } (name: bytes; tagged: the
 * algorithm of a BSD-style line), 'skip' for blank lines and comments, or
 * null if it is improperly formatted. `st.reversed` follows the list's
 * style as coreutils does: after a "HEX NAME" line (one space), a list may
 * not switch to "HEX  NAME" and back.
 */
function parseLine(raw, st) {
  if (raw === null) return null;
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let i = 0;
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (i === line.length || line[i] === '#') return 'skip';
  const escaped = line[i] === '\\';
  const s = line.slice(escaped ? i + 1 : i);
  let hex;
  let name;
  const tagged = BY_TAG.get(TAG_START.exec(s)?.[1].toUpperCase());
  if (tagged) {
    // no tag is all hex digits: a line starting with one is a tagged line or nothing
    const m = TAGGED.exec(s);
    if (!m) return null;
    [, name, hex] = m;
  } else {
    hex = /^[0-9A-Fa-f]+/.exec(s)?.[0];
    if (!hex || !/^[ \t]/.test(s.slice(hex.length))) return null;
    let j = hex.length + 1;
    if (s.length - j === 1 || (s[j] !== ' ' && s[j] !== '*')) {
      if (st.reversed === false) return null;
      st.reversed = true;
    } else if (st.reversed !== true) {
      st.reversed = false;
      j++;
    }
    name = s.slice(j);
  }
  // A NUL in the name: coreutils reads the name as a C string, cut at the
  // NUL, except in an escaped name, where a NUL is an error (as a bad
  // escape is). A name cut to nothing is improperly formatted.
  const nul = name.indexOf('\0');
  if (nul >= 0) {
    if (escaped) return null;
    name = name.slice(0, nul);
  }
  if (!name) return null;
  if (escaped) {
    name = unescapeName(name);
    if (name === null) return null;
  }
  return { hex: hex.toLowerCase(), name: Buffer.from(name, 'latin1'), tagged };
}

/**
 * The hash spec of a parsed line, or null (improperly formatted), or {
 * ambiguous }, or { seedTooBig: algorithm } (the --seed does not fit it).
 */
function lineSpec(o, parsed) {
  const digits = parsed.hex.length;
  if (digits % 2) return null;
  if (parsed.tagged && o.algorithm && parsed.tagged !== o.algorithm) return null;
  let alg = parsed.tagged ?? o.algorithm;
  if (!alg) {
    if (AMBIGUOUS[digits]) return { ambiguous: AMBIGUOUS[digits] };
    alg = BY_HEX_LENGTH[digits] ?? 'blake3';
  }
  const bytes = digits / 2;
  if (alg === 'blake3' ? bytes > MAX_LENGTH : bytes !== ALGORITHMS[alg].bytes) return null;
  // -c with --seed and no -a: the seed was checked against the 64-bit seeds
  if (o.seed !== undefined && o.seed > (SEED_MAX[alg] ?? o.seed)) return { seedTooBig: alg };
  return hashSpec(alg, bytes, o.seed);
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Checks list `listName` (bytes; "-" is standard input), line by line as
 * it is read; returns its exit status. Throws a UsageError for a --seed too
 * big for the algorithm of a line, once the lines before it are reported.
 */
async function checkList(o, listName, pool, output, progress) {
  const stdin = isStdin(listName);
  const listShown = stdin ? 'standard input' : escapeName(listName);
  const hasher = new Hasher(pool, progress);
  const count = { misformatted: 0, unread: 0, mismatched: 0, ok: 0, proper: 0 };
  const ambiguous = new Map(); // hex length -> lines
  const algName = o.algorithm ? `${ALGORITHMS[o.algorithm].tag} ` : '';
  // results and -w warnings alike, so that they are printed in line order
  const ordered = new Ordered((entry, hex, error) => {
    if (entry.misformatted) {
      output.error(listShown, `: ${entry.misformatted}: improperly formatted ${algName}checksum line`);
      return;
    }
    // as coreutils 9 writes it: escaped only if the name holds a newline
    const label = entry.name.includes(0x0a) ? bytes('\\', escapeName(entry.name)) : entry.name;
    if (error) {
      if (o.ignoreMissing && error.code === 'ENOENT') return;
      count.unread++;
      output.error(escapeName(entry.name), `: ${errorText(error)}`);
      if (!o.status) output.out(label, ': FAILED open or read\n');
    } else if (hex === entry.hex) {
      count.ok++;
      if (!o.status && !o.quiet) output.out(label, ': OK\n');
    } else {
      count.mismatched++;
      if (!o.status) output.out(label, ': FAILED\n');
    }
  }, output);

  const st = { reversed: undefined };
  let n = 0; // line number
  let readError = null;
  let usageError = null;
  // a list that stalls (a pipe, its writer still busy) hands the small
  // files read so far to the pool, so that their results need not wait
  const lines = listLines(listName, () => hasher.submit());
  try {
    reading: for (;;) {
      let next;
      try {
        next = await lines.next();
      } catch (e) {
        readError = e;
        break;
      }
      if (next.done) break;
      for (const raw of next.value) {
        n++;
        const parsed = parseLine(raw, st);
        if (parsed === 'skip') continue;
        // a list on standard input cannot name it: coreutils counts the line as improperly formatted
        const spec = parsed && !(stdin && isStdin(parsed.name)) && lineSpec(o, parsed);
        if (spec?.seedTooBig) {
          usageError = new UsageError(`${seedTooBig(o.seedText, spec.seedTooBig)}, the algorithm of line ${n} of ${listShown}`);
          break reading;
        }
        if (!spec || spec.ambiguous) {
          count.misformatted++;
          if (spec?.ambiguous) ambiguous.set(parsed.hex.length, spec.ambiguous);
          if (o.warn) ordered.push({ misformatted: n }, undefined);
          continue;
        }
        count.proper++;
        const entry = { name: parsed.name, hex: parsed.hex };
        const r = await hasher.hash(parsed.name, spec, parsed.name);
        ordered.push(entry, r.error ? Promise.reject(r.error) : r.result);
        if (ordered.waiting > MAX_WAITING) {
          hasher.submit(); // the first result waited for may be in the batch being filled
          await ordered.shrink(MAX_WAITING / 2);
        }
      }
    }
  } finally {
    await lines.return(); // closes the list if it was left before its end
    await hasher.finish();
    await ordered.end();
  }
  if (usageError) throw usageError;
  if (readError) {
    output.error(listShown, `: ${errorText(readError)}`);
    return 1;
  }

  for (const [digits, names] of ambiguous) {
    output.error(listShown, `: ${digits}-digit checksums could be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}; name the algorithm with -a`);
  }
  if (count.proper === 0) {
    output.error(listShown, ': no properly formatted checksum lines found');
    return 1;
  }
  if (!o.status) {
    if (count.misformatted) output.error(`WARNING: ${plural(count.misformatted, 'line is', 'lines are')} improperly formatted`);
    if (count.unread) output.error(`WARNING: ${plural(count.unread, 'listed file', 'listed files')} could not be read`);
    if (count.mismatched) output.error(`WARNING: ${plural(count.mismatched, 'computed checksum', 'computed checksums')} did NOT match`);
    if (o.ignoreMissing && count.ok + count.mismatched + count.unread === 0) output.error(listShown, ': no file was verified');
  }
  const bad = count.unread || count.mismatched || (o.strict && count.misformatted) ||
    (o.ignoreMissing && count.ok + count.mismatched + count.unread === 0);
  return bad ? 1 : 0;
}

/**
 * Checks every list of o.files (o: the options of sumOptions()) on `pool`;
 * writes through `output`; returns the exit status (0, or 1 if a file did
 * not match or could not be read, or a list was bad).
 */
export async function checkFiles(o, pool, output, progress) {
  let status = 0;
  for (const list of o.files) status = Math.max(status, await checkList(o, list, pool, output, progress));
  return status;
}
