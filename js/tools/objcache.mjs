// The object cache of `parawasm build`: each C source of each build is
// compiled into an object once, and again only when the source, a header it
// includes (as the compiler's dependency list names them), the compiler or
// the flags change. A second build of an unchanged project compiles
// nothing; a changed kernel recompiles its own source and what includes
// the changed header, then links.
//
// An entry is two files named by its key: <key>.o, the object, and
// <key>.json, written after it (an entry without its .json does not exist):
//   { deps: [[path, sha256], ...], absent: [path, ...], obj: sha256 of the object }
// `absent` lists the places where a header that appears later would be
// found before one the source included (absentPaths()): the same name in
// the source's folder, an include folder or a folder of another
// dependency. A hit needs every one of them still absent.
// The key hashes the compiler's version, the arguments, the source's path
// (or, for a generated source, its name) and its text. A hit needs every
// dependency's content and the object's own hash to match; anything else
// (a missing or corrupt file included) is a miss, and the source is
// compiled again. Files are written under a temporary name and renamed, so
// builds that share a cache never see a half-written entry. Entries unused
// for PRUNE_DAYS are removed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

const PRUNE_DAYS = 30;
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * The dependencies of a make-style dependency file (clang -MD): the paths
 * after "target:", with line continuations joined and "\ " as a space in a
 * path; relative paths are taken from `cwd`.
 */
export function parseDepfile(text, cwd) {
  const body = text.replace(/\\\r?\n/g, ' ');
  const colon = body.search(/:(\s|$)/);
  const rest = colon < 0 ? '' : body.slice(colon + 1);
  const deps = [];
  let cur = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '\\' && (rest[i + 1] === ' ' || rest[i + 1] === '#')) cur += rest[++i];
    else if (c === '$' && rest[i + 1] === '$') cur += rest[++i];
    else if (/\s/.test(c)) { if (cur) deps.push(resolve(cwd, cur)); cur = ''; } else cur += c;
  }
  if (cur) deps.push(resolve(cwd, cur));
  return deps;
}

/**
 * The paths where a new header would shadow one of `deps` (the headers a
 * compile of `src` with `args` read) and that do not exist now: each
 * dependency's last one, two and three path components under each folder
 * the compiler may search before the one it was found in — the source's
 * folder, the -I / -iquote / -isystem folders of `args` (taken from
 * `cwd`), and the folders of the other dependencies (a quoted include
 * searches its includer's folder first) — except the compiler's own
 * (a sysroot's, which its version in the key covers).
 */
export function absentPaths(src, args, deps, cwd) {
  const dirs = new Set([dirname(resolve(cwd, src))]);
  for (let i = 0; i < args.length; i++) {
    const m = /^-(I|iquote|isystem)(.*)$/.exec(args[i]);
    if (!m) continue;
    const d = m[2] || args[++i];
    if (d) dirs.add(resolve(cwd, d));
  }
  for (const d of deps) dirs.add(dirname(d));
  const searched = [...dirs].filter((d) => !d.split(sep).includes('sysroot'));
  const out = new Set();
  for (const d of deps) {
    const parts = d.split(sep);
    for (let k = 1; k <= 3 && k < parts.length; k++) {
      const rel = parts.slice(-k);
      for (const dir of searched) {
        const p = join(dir, ...rel);
        if (p !== d && !out.has(p) && !existsSync(p)) out.add(p);
      }
    }
  }
  return [...out];
}

export class ObjectCache {
  /**
   * `dir`: the cache folder (made when first written), or null for no
   * cache (every lookup misses, nothing is stored). `salt`: what else
   * decides an object (the compiler's version). `warn`: called once if the
   * folder cannot be written; the build goes on without storing.
   */
  constructor(dir, salt, warn = () => {}) {
    this.dir = dir;
    // (EMCC_CFLAGS: flags emcc adds to every compile)
    this.salt = [salt, process.env.EMCC_CFLAGS ?? ''];
    this.warn = warn;
    this.hashes = new Map(); // path -> sha256 of its content (null: unreadable), for this build
    this.hits = 0;
    this.misses = 0;
  }

  fileHash(path) {
    if (!this.hashes.has(path)) {
      let h = null;
      try { h = sha256(readFileSync(path)); } catch { /* missing: no match */ }
      this.hashes.set(path, h);
    }
    return this.hashes.get(path);
  }

  /** The key of compiling `text` (the source named `id`) with `args`. */
  key(args, id, text) {
    return sha256(JSON.stringify([this.salt, args, id, sha256(text)]));
  }

  /** The cached object of `key` if every dependency is unchanged, else null. */
  lookup(key) {
    if (!this.dir) { this.misses++; return null; }
    const obj = join(this.dir, `${key}.o`);
    try {
      const m = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8'));
      if (m.deps.every(([p, h]) => this.fileHash(p) === h) && Array.isArray(m.absent) && !m.absent.some((p) => existsSync(p)) &&
        sha256(readFileSync(obj)) === m.obj) {
        const now = new Date();
        try { utimesSync(join(this.dir, `${key}.json`), now, now); } catch { /* read-only: still a hit */ }
        this.hits++;
        return obj;
      }
    } catch { /* no entry, or a broken one */ }
    this.misses++;
    return null;
  }

  /**
   * Stores the object `objPath` under `key` with its dependencies (paths;
   * `skip`: the source itself, already in the key). A failure to write
   * turns the cache off for the rest of the build.
   */
  store(key, objPath, deps, skip, args = [], cwd = '.') {
    if (!this.dir) return;
    try {
      const obj = readFileSync(objPath);
      const own = [...new Set(deps)].filter((p) => p !== skip);
      const manifest = { deps: own.map((p) => [p, this.fileHash(p)]), absent: absentPaths(skip, args, own, cwd), obj: sha256(obj) };
      if (manifest.deps.some(([, h]) => h === null)) return; // a dependency already gone: nothing safe to store
      mkdirSync(this.dir, { recursive: true });
      const tmp = `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(join(this.dir, `${key}.o${tmp}`), obj);
      renameSync(join(this.dir, `${key}.o${tmp}`), join(this.dir, `${key}.o`));
      writeFileSync(join(this.dir, `${key}.json${tmp}`), JSON.stringify(manifest));
      renameSync(join(this.dir, `${key}.json${tmp}`), join(this.dir, `${key}.json`));
    } catch (e) {
      this.warn(`parawasm build: cannot write the object cache ${this.dir} (${e.code || e.message}); building without it`);
      this.dir = null;
    }
  }

  /** Removes entries unused for PRUNE_DAYS, and temporary files and objects without a manifest older than a day. */
  prune(now = Date.now()) {
    if (!this.dir) return;
    let names;
    try { names = readdirSync(this.dir); } catch { return; }
    const age = (f) => { try { return now - statSync(join(this.dir, f)).mtimeMs; } catch { return 0; } };
    const have = new Set(names);
    for (const f of names) {
      const m = /^([0-9a-f]{64})\.json$/.exec(f);
      const stray = f.includes('.tmp-') || (/^[0-9a-f]{64}\.o$/.test(f) && !have.has(f.replace(/\.o$/, '.json')));
      const old = m ? age(f) > PRUNE_DAYS * 864e5 : stray && age(f) > 864e5;
      if (!old) continue;
      rmSync(join(this.dir, f), { force: true });
      if (m) rmSync(join(this.dir, `${m[1]}.o`), { force: true });
    }
  }
}

/**
 * Compiles `compiles` (each { src, args, what }) into objects, returned in
 * the same order: from `cache` where it has them, the others with one
 * compiler run per batch — the sources of the same arguments, spread over
 * as many batches as the group's share of `jobs` (at least one; emcc costs
 * about 0.3 s of CPU to start, so a run per source, or more runs than
 * cores, cost more than they save) with no two files of the same name
 * in one batch (each batch writes <name>.o into a folder of its own under
 * `dir`) — at most `jobs` runs at a time. `keyId(src)`: the name a source
 * is known by in its key. `run(args, cwd)` resolves to { code, out };
 * `failed(what, out)` makes the error of a failed run; `warn(text)` gets
 * the output of each run that succeeded with something to say.
 */
export async function compileSources(compiles, { cache, keyId, dir, jobs, run, failed, warn = () => {} }) {
  const objects = new Array(compiles.length);
  const groups = new Map();
  compiles.forEach((c, i) => {
    const key = cache.key(c.args, keyId(c.src), readFileSync(c.src));
    const hit = cache.lookup(key);
    if (hit) { objects[i] = hit; return; }
    const g = JSON.stringify(c.args);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push({ ...c, i, key, name: basename(c.src, '.c') });
  });
  const batches = [];
  // the cores shared among the groups (each group a run at least)
  const per = Math.max(1, Math.floor(jobs / groups.size));
  for (const list of groups.values()) {
    const mine = Array.from({ length: Math.min(per, list.length) }, () => []);
    list.forEach((m, j) => {
      // round robin, past the batches that already hold a file of its name
      let b = -1;
      for (let k = 0; k < mine.length && b < 0; k++) {
        const t = (j + k) % mine.length;
        if (!mine[t].some((x) => x.name === m.name)) b = t;
      }
      if (b < 0) b = mine.push([]) - 1;
      mine[b].push(m);
    });
    batches.push(...mine.filter((b) => b.length));
  }
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < batches.length) {
      const n = next++;
      const batch = batches[n];
      const cwd = join(dir, String(n));
      mkdirSync(cwd, { recursive: true });
      const r = await run([...batch[0].args, '-MD', '-c', ...batch.map((m) => m.src)], cwd);
      const out = r.out.trim();
      if (r.code !== 0) {
        stop = true;
        // the files the compiler's errors name (a batch compiles several in
        // one run: the others were fine), and its output without emcc's
        // echo of the whole compiler command
        const named = [...new Set(Array.from(out.matchAll(/^([^\s:][^:\n]*?\.(?:c|h|cc|cpp|hpp)):\d+:\d+: (?:fatal )?error:/gm),
          (m) => basename(m[1])))];
        const text = out.split('\n').filter((l) => !l.startsWith("emcc: error: '")).join('\n').trim();
        throw failed(`on ${(named.length ? named : batch.map((m) => basename(m.src))).join(', ')} (${batch[0].what})`, text || out);
      }
      if (out) warn(out, batch[0]);
      for (const m of batch) {
        const obj = join(cwd, `${m.name}.o`);
        cache.store(m.key, obj, parseDepfile(readFileSync(join(cwd, `${m.name}.d`), 'utf8'), cwd), m.src, m.args, cwd);
        objects[m.i] = obj;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, batches.length) }, worker));
  return objects;
}
