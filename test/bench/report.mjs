// Renders the benchmark sections as markdown, and as JSON for tools.
import { ALL_BENCHES, MIN_PROTOCOL_RUNS, fmt } from './lib.mjs';

const cell = (x) => String(x ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(headers, rows) {
  const out = [`| ${headers.map(cell).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  return out.join('\n');
}

export function machineLines(machine) {
  return [
    `- Machine: ${machine.cores} cores (os.availableParallelism()), ${machine.cpu}, ` +
      `${fmt(machine.memoryGiB, 1)} GiB RAM, ${machine.platform}/${machine.arch}`,
    `- Node ${machine.node} (V8 ${machine.v8})`,
    `- Load average (1 min) at start ${fmt(machine.loadStart, 2)}` +
      (machine.loadEnd === null ? '' : `, at end ${fmt(machine.loadEnd, 2)}`),
    ...(machine.wake ? [wakeLine(machine.wake)] : []),
  ];
}

// test/bench/wake.mjs's probe, in a line
function wakeLine(wake) {
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const all = (f) => wake.map(f).join(' / ');
  const any = wake.some((w) => w.shared > 0);
  return `- Wake-up probe (test/bench/wake.mjs): a thread woken after ${all((w) => w.idleMs)} ms of idleness shared its waker's ` +
    `CPU in ${all((w) => w.shared)} of ${wake[0].rounds} rounds (its ${fmt(wake[0].workMs, 0)} ms of work took ` +
    `${all((w) => fmt(med(w.ms), 1))} ms, medians)` +
    (any ? '; a pool\'s threads woken for a call after a pause may then run at one CPU\'s speed until the OS moves one, ' +
      'and the benchmarks idle 20 ms before each timed run' : '');
}

export function toMarkdown({ machine, config, sections, startedAt, seconds }) {
  const lines = ['# parawasm benchmarks', ''];
  lines.push(...machineLines(machine));
  lines.push(`- ${startedAt}, ${fmt(seconds, 0)} s; ${config.runs} timed runs per contender, alternating between ` +
    'contenders in rotated order after an untimed warm-up; figures are median (min–max) over the runs');
  if (config.only.length < ALL_BENCHES.length) lines.push(`- only benchmark${config.only.length > 1 ? 's' : ''} ${config.only.join(', ')} (BENCH_ONLY)`);
  if (config.quick) lines.push('- **BENCH_QUICK=1: smoke test with reduced sizes; these figures are not the benchmark**');
  if (config.runs < MIN_PROTOCOL_RUNS) lines.push(`- **fewer than ${MIN_PROTOCOL_RUNS} runs: below the benchmark protocol**`);
  lines.push('');

  const targets = sections.flatMap((s) => (s.targets ?? []).map((t) => ({ ...t, section: s.id })));
  const passed = targets.filter((t) => t.pass).length;
  lines.push('## Targets', '');
  lines.push(`${passed} of ${targets.length} pass.`, '');
  lines.push(mdTable(['§', 'target', 'requirement', 'measured', 'result'],
    targets.map((t) => [t.section, t.name, t.requirement, t.measured, t.pass ? 'PASS' : 'FAIL'])));
  const failed = sections.filter((s) => s.error);
  if (failed.length) {
    lines.push('', `Benchmarks that failed (their targets are missing above): ${failed.map((s) => s.id).join(', ')}.`);
  }
  lines.push('');

  for (const s of sections) {
    lines.push(`## ${s.id}. ${s.title}`, '');
    if (s.error) {
      lines.push(`**Failed:** ${cell(s.error)}`, '');
      continue;
    }
    for (const p of s.intro ?? []) lines.push(p, '');
    for (const t of s.tables) {
      if (t.caption) lines.push(t.caption, '');
      lines.push(mdTable(t.headers, t.rows), '');
    }
    for (const n of s.notes ?? []) lines.push(`- ${n}`);
    if (s.notes?.length) lines.push('');
  }
  return lines.join('\n');
}

export function toJson({ machine, config, sections, startedAt, seconds }) {
  return {
    startedAt,
    seconds,
    machine,
    config,
    targets: sections.flatMap((s) => (s.targets ?? []).map((t) => ({ section: s.id, ...t }))),
    sections: sections.map((s) => ({
      id: s.id,
      title: s.title,
      error: s.error ?? null,
      notes: s.notes ?? [],
      data: s.data ?? null,
    })),
  };
}
