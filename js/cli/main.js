// parawasm's command line: `parawasm COMMAND [ARG]...`. This file picks the
// command from the table below and runs it; each command is its own module.
// The package's bin (lib/cli.js) only calls run().

import fs from 'node:fs';
import { rawArgs } from './args.js';
import { Output } from './io.js';
import { sumCommand } from './sum.js';

/**
 * The commands: name -> { summary: one line for the usage, run(args, raw,
 * context): resolves to the exit status }, where args are the arguments
 * after the command's name, raw their bytes (Buffers), context.version()
 * the text of --version. A new command is one more entry.
 */
const COMMANDS = {
  sum: { summary: 'print or check checksums of files (parawasm sum --help)', run: sumCommand },
  build: {
    summary: 'build annotated C kernels into an npm package of your own (parawasm build --help)',
    run: async (args) => (await import('../tools/build.mjs')).main(args),
  },
  ctest: {
    summary: 'build a C test of your kernels natively, with sanitizers, with a fake pool and in wasm, and run it',
    run: async (args) => (await import('../tools/ctest.mjs')).main(args),
  },
};

const MAIN_HELP = `Usage: parawasm COMMAND [ARG]...
Command-line tools of parawasm.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`).join('\n')}

Options:
  -h, --help     print this help and exit
      --version  print the version and exit
`;

/** The text of --version: "parawasm VERSION\n", from the package's package.json. */
function version() {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return `parawasm ${pkg.version}\n`;
}

/**
 * Runs `parawasm ...args` (strings; `raw`: their bytes, by default their
 * UTF-8); resolves to the exit status (2 for a usage error).
 */
export async function main(args, raw = args.map((a) => Buffer.from(a))) {
  const [command, ...rest] = args;
  if (Object.hasOwn(COMMANDS, command)) return COMMANDS[command].run(rest, raw.slice(1), { version });
  if (command === '-h' || command === '--help' || command === 'help' || command === '--version') {
    const output = new Output('parawasm');
    output.out(command === '--version' ? version() : MAIN_HELP);
    return output.close(0);
  }
  process.stderr.write(command === undefined ? 'parawasm: missing command\n' : `parawasm: unknown command '${command}'\n`);
  process.stderr.write(MAIN_HELP);
  return 2;
}

/** Runs the command line of this process and sets its exit status. */
export function run() {
  // a failing stderr (2> /dev/full) leaves nowhere to report anything
  process.stderr.on('error', () => {});
  const args = process.argv.slice(2);
  main(args, rawArgs(args)).then((status) => {
    process.exitCode = status;
  }, (e) => {
    process.stderr.write(`parawasm: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
