#!/usr/bin/env node
// Serves parawasm's array demo on 127.0.0.1 and prints its URL.
//
//   make demo-array                          (builds pkg/ first), or
//   node examples/array/serve.mjs [--no-isolation]
//
//   PORT=8080        listen on that port (default: a free one)
//   --no-isolation   leave out the COOP/COEP headers: the page is not
//                    cross-origin isolated and parawasm runs its fallback pool
//
//   /          this folder (index.html, demo.js, dataset.js, demo.css)
//   /pkg/...   the package as built by `make pkg` (lib/, gen/, wasm/)
//
// Every response carries the headers that make the page cross-origin
// isolated (the page and each worker script need them), so that
// SharedArrayBuffer, and with it parawasm's threaded pool, is available.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const MOUNTS = [['/pkg/', path.join(REPO, 'pkg')], ['/', HERE]];
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

const isolated = !process.argv.includes('--no-isolation');
const unknown = process.argv.slice(2).filter((a) => a !== '--no-isolation');
if (unknown.length) {
  console.error(`usage: node examples/array/serve.mjs [--no-isolation]  (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const port = process.env.PORT ? Number(process.env.PORT) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (got "${process.env.PORT}")`);
  process.exit(2);
}
if (!fs.existsSync(path.join(REPO, 'pkg/browser.js')) || !fs.existsSync(path.join(REPO, 'pkg/wasm/parawasm-mt.wasm'))) {
  console.error('pkg/ is not built: run `make pkg` (or `make demo-array`) first');
  process.exit(1);
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  ...(isolated ? {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  } : {}),
};

/** The file a request path names, or null if it is outside the served folders. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  for (const [prefix, dir] of MOUNTS) {
    if (!decoded.startsWith(prefix)) continue;
    const file = path.resolve(dir, `.${decoded.slice(prefix.length - 1)}`);
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    return decoded.endsWith('/') ? path.join(file, 'index.html') : file;
  }
  return null;
}

const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  if (pathname === '/serve.mjs') return send(404, 'not found\n'); // the server is not part of the page
  const file = fileFor(pathname);
  if (!file) return send(403, 'forbidden\n');
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return send(404, `not found: ${pathname}\n`);
    res.writeHead(200, { ...HEADERS, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
});
server.keepAliveTimeout = 1000;
server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: set PORT to another one (or leave it unset)` : e.message);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log([
    `parawasm array demo: http://127.0.0.1:${server.address().port}/`,
    isolated
      ? '(cross-origin isolated: COOP same-origin + COEP require-corp; the pool uses every core)'
      : '(--no-isolation: no COOP/COEP headers; the page runs parawasm\'s fallback pool)',
    'open it in a browser; Ctrl-C stops the server',
  ].join('\n'));
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
