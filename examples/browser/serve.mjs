#!/usr/bin/env node
// Serves parawasm's browser demo on 127.0.0.1 and prints its URL.
//
//   make demo-browser                   (builds pkg/ first), or
//   node examples/browser/serve.mjs [--no-isolation]
//
//   /          this folder (index.html, demo.js, demo.css)
//   /pkg/...   the package as built by `make pkg` (lib/, gen/, wasm/)
//
// PORT, --no-isolation and the headers: see ../lib/serve-demo.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemo } from '../lib/serve-demo.mjs';

serveDemo('browser', path.dirname(fileURLToPath(import.meta.url)));
