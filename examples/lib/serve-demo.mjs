// The static server of parawasm's browser demos (examples/browser, image,
// array): serves a demo's folder at / and the built package at /pkg/ on
// 127.0.0.1, prints the URL, and stops on Ctrl-C.
//
//   PORT=8080        listen on that port (default: a free one)
//   --no-isolation   leave out the COOP/COEP headers: the page is not
//                    cross-origin isolated and parawasm runs its fallback pool
//
// Every response otherwise carries the headers that make the page
// cross-origin isolated (the page and each worker script need them), so
// that SharedArrayBuffer, and with it parawasm's threaded pool, is
// available.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * Serves the demo `name` ('browser', 'image', 'array') from its folder
 * `dir` as `node examples/<name>/serve.mjs [--no-isolation]` does (its
 * make target is `demo-<name>`). Exits the process on bad arguments, an
 * unbuilt pkg/ or a port in use.
 */
export function serveDemo(name, dir, argv = process.argv.slice(2)) {
  const isolated = !argv.includes('--no-isolation');
  const unknown = argv.filter((a) => a !== '--no-isolation');
  if (unknown.length) {
    console.error(`usage: node examples/${name}/serve.mjs [--no-isolation]  (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 0 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (got "${process.env.PORT}")`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(REPO, 'pkg/browser.js')) || !fs.existsSync(path.join(REPO, 'pkg/wasm/parawasm-mt.wasm'))) {
    console.error(`pkg/ is not built: run \`make pkg\` (or \`make demo-${name}\`) first`);
    process.exit(1);
  }
  const mounts = [['/pkg/', path.join(REPO, 'pkg')], ['/', dir]];
  const headers = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(isolated ? {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    } : {}),
  };

  // the file a request path names, or null if it is outside the served folders
  const fileFor = (pathname) => {
    let decoded;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    for (const [prefix, root] of mounts) {
      if (!decoded.startsWith(prefix)) continue;
      const file = path.resolve(root, `.${decoded.slice(prefix.length - 1)}`);
      if (file !== root && !file.startsWith(root + path.sep)) return null;
      return decoded.endsWith('/') ? path.join(file, 'index.html') : file;
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (pathname === '/serve.mjs') return send(404, 'not found\n'); // the server is not part of the page
    const file = fileFor(pathname);
    if (!file) return send(403, 'forbidden\n');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return send(404, `not found: ${pathname}\n`);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size });
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
      `parawasm ${name} demo: http://127.0.0.1:${server.address().port}/`,
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
  return server;
}
