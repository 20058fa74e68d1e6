// What a bundler printed, less what it prints about its own speed: vite's
// [PLUGIN_TIMINGS] note comes when its plugins took most of a build, which
// a busy machine decides (colour codes removed first). A build that must
// print nothing is checked with this.
export function withoutTimings(text) {
  return text.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    .replace(/\S*\[PLUGIN_TIMINGS\][\s\S]*?for more details\.\s*/g, '').trim();
}
