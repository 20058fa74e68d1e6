// A static file server on 127.0.0.1 (free port) for the package tests:
// serves one folder, with or without the headers that make a page
// cross-origin isolated, and records what was asked for and not found.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

// What a server must send for SharedArrayBuffer (and so the threaded pool):
// on the page and on every worker script.
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Resolves to { origin, requests, misses, close() }. */
export function serve(root, { isolated }) {
  const requests = [];
  const misses = [];
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    requests.push(pathname);
    let file;
    try {
      file = path.resolve(base, `.${decodeURIComponent(pathname)}`);
    } catch {
      file = null;
    }
    if (pathname === '/favicon.ico' || !file || (file !== base && !file.startsWith(base + path.sep))) {
      res.writeHead(pathname === '/favicon.ico' ? 204 : 403, headers).end();
      return;
    }
    if (file.endsWith(path.sep) || (fs.existsSync(file) && fs.statSync(file).isDirectory())) file = path.join(file, 'index.html');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        misses.push(pathname);
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {
        ...headers,
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': st.size,
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    });
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      origin: `http://127.0.0.1:${server.address().port}`,
      requests,
      misses,
      close: () => new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections?.();
      }),
    }));
  });
}
