// Writes the npm package's README (pkg/README.md): the repository's README
// behind a note that says where the files it names are in the package, and
// which of its commands and folders are the repository's.
//
//   node js/tools/package-readme.mjs README.md pkg/README.md
import fs from 'node:fs';

const [from, to] = process.argv.slice(2);
if (!from || !to) throw new Error('usage: package-readme.mjs README.md pkg/README.md');
const NOTE = `> **In the npm package.** This is the README of parawasm's source
> repository. Its commands with \`make\`, and the folders \`examples/\`,
> \`test/\`, \`src/\` and \`js/\` it names, are the repository's. What it names
> in the package: \`pkg/gen/kernels.d.ts\` is \`gen/kernels.d.ts\` here,
> \`include/parawasm/*.h\` is \`sdk/include/parawasm/\`, \`js/tools/*.mjs\` is
> \`lib/tools/\`; \`npx parawasm build\` and \`npx parawasm sum\` work as shown.

`;
fs.writeFileSync(to, NOTE + fs.readFileSync(from, 'utf8'));
