// Turns a results file into what docs/BENCHMARKS.md shows: the Markdown table (printed) and the fan-out
// latency chart (docs/fanout-latency.svg, hand-written SVG: cumulative share of deliveries by
// send→receive latency, log scale, per room size, candidate solid and baseline dashed).
//
//   node bench/report-md.js [bench/results/<file>.json ...]   (default: the newest full run; later files
//                                                             replace the scenarios they re-ran)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT } from './lib/common.js';
import { HISTOGRAM_RESOLUTION_MS } from './lib/histogram.js';
import { HEADER, rows } from './lib/report.js';

const resultsDir = join(BENCH_DIR, 'results');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [
        join(
          resultsDir,
          readdirSync(resultsDir)
            .filter((name) => name.endsWith('.json') && !name.includes('quick'))
            .sort()
            .pop(),
        ),
      ];
// Several files: a later file's scenarios replace the same scenarios of an earlier one (a re-run of some).
const report = JSON.parse(readFileSync(files[0], 'utf8'));
for (const file of files.slice(1)) {
  for (const scenario of JSON.parse(readFileSync(file, 'utf8')).scenarios) {
    const index = report.scenarios.findIndex((existing) => existing.id === scenario.id);
    if (index >= 0) report.scenarios[index] = scenario;
    else report.scenarios.push(scenario);
  }
}
report.scenarios.sort((a, b) => a.id - b.id);

const table = [HEADER, HEADER.map(() => '---'), ...rows(report)].map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`).join('\n');
process.stdout.write(`${table}\n`);

const fanout = report.scenarios.find((scenario) => scenario.id === 5);
if (fanout?.details) {
  writeFileSync(join(ROOT, 'docs', 'fanout-latency.svg'), chart(fanout.details));
  process.stdout.write('\nwrote docs/fanout-latency.svg\n');
}

/** Points of the cumulative distribution: [latency ms, share 0..1] at each occupied bucket. */
function cumulative(sparse) {
  const total = sparse.reduce((sum, [, count]) => sum + count, 0);
  let seen = 0;
  return sparse.map(([bucket, count]) => {
    seen += count;
    return [(bucket + 1) * HISTOGRAM_RESOLUTION_MS, seen / total];
  });
}

function chart(details) {
  const width = 760;
  const height = 440;
  const margin = { left: 64, right: 190, top: 40, bottom: 52 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const minMs = 0.1;
  const maxMs = 10_000;
  const x = (ms) =>
    margin.left + ((Math.log10(Math.max(minMs, Math.min(maxMs, ms))) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs))) * plotWidth;
  const y = (share) => margin.top + (1 - share) * plotHeight;
  const colors = { 10: '#1b9e77', 100: '#d95f02', 1000: '#7570b3' };
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(
    `<text x="${margin.left}" y="22" font-size="14" font-weight="bold">Fan-out: send→receive latency at half of saturation (share of deliveries ≤ latency)</text>`,
  );
  for (const ms of [0.1, 1, 10, 100, 1000, 10000]) {
    parts.push(`<line x1="${x(ms)}" y1="${margin.top}" x2="${x(ms)}" y2="${margin.top + plotHeight}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(ms)}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`);
  }
  for (const share of [0, 0.5, 0.9, 0.99, 1]) {
    parts.push(`<line x1="${margin.left}" y1="${y(share)}" x2="${margin.left + plotWidth}" y2="${y(share)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(share) + 4}" text-anchor="end">${share * 100}%</text>`);
  }
  parts.push(`<line x1="${x(50)}" y1="${margin.top}" x2="${x(50)}" y2="${margin.top + plotHeight}" stroke="#c00" stroke-dasharray="2 3"/>`);
  parts.push(`<text x="${x(50) + 4}" y="${margin.top + 12}" fill="#c00">50 ms target (p99)</text>`);
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${margin.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle">send → receive latency (log scale)</text>`);
  let legendY = margin.top + 8;
  for (const [size, detail] of Object.entries(details)) {
    const color = colors[size] ?? '#333';
    for (const [side, dash] of [
      ['candidate', ''],
      ['baseline', ' stroke-dasharray="6 4"'],
    ]) {
      const points = cumulative(detail.latency[side]);
      if (!points.length) continue;
      const path = points.map(([ms, share], index) => `${index ? 'L' : 'M'}${x(ms).toFixed(1)},${y(share).toFixed(1)}`).join(' ');
      parts.push(`<path d="M${x(minMs).toFixed(1)},${y(0).toFixed(1)} ${path.slice(1)}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      const p99 = points.find(([, share]) => share >= 0.99)?.[0];
      parts.push(
        `<line x1="${margin.left + plotWidth + 12}" y1="${legendY}" x2="${margin.left + plotWidth + 36}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      );
      parts.push(
        `<text x="${margin.left + plotWidth + 42}" y="${legendY + 4}">room ${size} ${side === 'candidate' ? 'server' : 'plain socket.io'} p99 ${p99 >= 100 ? Math.round(p99) : p99?.toFixed(1)} ms</text>`,
      );
      legendY += 18;
    }
    parts.push(`<text x="${margin.left + plotWidth + 12}" y="${legendY + 4}" fill="#666">  at ${detail.rate} msgs/s</text>`);
    legendY += 24;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
