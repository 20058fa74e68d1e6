// Static file server for the browser tests (and, with its own mounts, the
// package tests of test/pack/), on 127.0.0.1 at a free port.
//
//   /pkg/...      the npm package as built by `make pkg`           (pkg/)
//   /testpkg/...  the same with the test-only kernels             (build/testpkg/)
//   /bundle/...   the esbuild bundle made by run.mjs              (build/browser-bundle/)
//   /test/...     the harness's pages, suites and worker scripts  (test/browser/)
//
// `isolated: true` makes the origin cross-origin isolated: every response
// carries COOP same-origin + COEP require-corp (documents and worker scripts
// both need them: a dedicated worker takes its policy from its own script
// response) and CORP same-origin. `isolated: false` sends none of them, so
// pages there have crossOriginIsolated === false and no SharedArrayBuffer.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const MOUNTS = {
  '/pkg/': 'pkg',
  '/testpkg/': 'build/testpkg',
  '/bundle/': 'build/browser-bundle',
  '/test/': 'test/browser',
  '/lib/': 'test/lib', // shared with the Node tests; pages reach it as ../../lib/
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function isolationHeaders(isolated) {
  return isolated ? {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  } : {};
}

/** Maps a request path to a file under one of `mounts`, or null. */
function resolvePath(urlPath, mounts) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!decoded.startsWith(prefix)) continue;
    const base = path.resolve(REPO, dir);
    const file = path.resolve(base, `.${decoded.slice(prefix.length - 1)}`);
    if (file !== base && !file.startsWith(base + path.sep)) return null; // no ../ escapes
    return file;
  }
  return null;
}

/**
 * Starts a server. Resolves to { origin, isolated, requests, misses, close() }:
 * `requests` lists every path asked for, `misses` those answered with 404
 * (a missing build file shows up there), for the runner to check.
 * `mounts` maps path prefixes to folders (relative to the repository, or
 * absolute); `index` is the file served for "/".
 */
export function startServer({ isolated, mounts = MOUNTS, index = '/test/page.html' }) {
  const misses = [];
  const requests = [];
  const server = http.createServer((req, res) => {
    const extra = isolationHeaders(isolated);
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    requests.push(pathname);
    if (pathname === '/favicon.ico') return send(204, '');
    const file = resolvePath(pathname === '/' ? index : pathname, mounts);
    if (!file) return send(403, 'forbidden');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        misses.push(pathname);
        return send(404, `not found: ${pathname}`);
      }
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-store',
        ...extra,
      });
      if (req.method === 'HEAD') return res.end();
      const stream = fs.createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    });
  });
  // keep-alive sockets would hold close() open
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        isolated,
        misses,
        requests,
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections?.();
        }),
      });
    });
  });
}

// `node test/browser/server.mjs` serves both origins for manual testing.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const iso = await startServer({ isolated: true });
  const plain = await startServer({ isolated: false });
  console.log(`isolated:     ${iso.origin}/test/page.html`);
  console.log(`not isolated: ${plain.origin}/test/page.html`);
}
