// Debian's Chromium for the browser tests (test/browser, test/pack and the
// browser demo's test), launched headless through playwright-core; never a
// downloaded browser. CHROMIUM=/path chooses another binary.
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts Chromium; resolves to playwright's Browser. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 30000 });
}
