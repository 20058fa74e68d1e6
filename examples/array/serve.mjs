#!/usr/bin/env node
// Serves parawasm's array demo on 127.0.0.1 and prints its URL.
//
//   make demo-array                     (builds pkg/ first), or
//   node examples/array/serve.mjs [--no-isolation]
//
//   /          this folder (index.html, demo.js, dataset.js, demo.css)
//   /pkg/...   the package as built by `make pkg` (lib/, gen/, wasm/)
//
// PORT, --no-isolation and the headers: see ../lib/serve-demo.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemo } from '../lib/serve-demo.mjs';

serveDemo('array', path.dirname(fileURLToPath(import.meta.url)));
