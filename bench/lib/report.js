// The table printed at the end of a run (and pasted into docs/BENCHMARKS.md by bench/report-md.js).
const format = (value) => {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

/** One row per metric: scenario, metric, candidate, baseline, ratio, target, met. */
export function rows(report) {
  const out = [];
  for (const scenario of report.scenarios) {
    if (scenario.error) out.push([String(scenario.id), scenario.title, 'FAILED', scenario.error.slice(0, 60), '', '', '✗']);
    for (const metric of scenario.metrics ?? []) {
      out.push([
        String(scenario.id),
        metric.label,
        `${format(metric.candidate)} ${metric.unit}`,
        `${format(metric.baseline)} ${metric.unit}`,
        metric.ratio === null || metric.ratio === undefined ? '–' : `${metric.ratio.toFixed(2)}×`,
        metric.target ?? '–',
        metric.met === undefined || metric.met === null ? '–' : metric.met ? '✓' : '✗',
      ]);
    }
  }
  return out;
}

export const HEADER = ['#', 'metric', 'candidate', 'baseline', 'ratio', 'target', 'met'];

export function printTable(report) {
  const table = [HEADER, ...rows(report)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((row) => [...row[column]].length)));
  const line = (row) => row.map((cell, column) => cell + ' '.repeat(widths[column] - [...cell].length)).join('  ');
  process.stdout.write(`\n${line(table[0])}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\n');
}
