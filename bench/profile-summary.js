// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or BENCH_PROFILE=<dir> npm run bench): self time
// by function and by package, the quickest way to see where a scenario's server time goes.
//
//   node bench/profile-summary.js <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const intervals = profile.timeDeltas;
for (let index = 0; index < profile.samples.length; index++) {
  const id = profile.samples[index];
  self.set(id, (self.get(id) ?? 0) + (intervals[index] ?? 0));
}
const total = [...self.values()].reduce((sum, value) => sum + value, 0);
const where = (frame) => {
  const url = frame.url || '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/src/')) return `app:${url.split('/dist/src/')[1]}`;
  if (url.startsWith('node:')) return url;
  return url;
};
const byFunction = new Map();
const byPackage = new Map();
for (const [id, time] of self) {
  const frame = byId.get(id).callFrame;
  const key = `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  const pkg = where(frame).split(':')[0] === 'app' ? 'app' : where(frame);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
}
const print = (title, map) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((time / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
print('self time by package', byPackage);
print('self time by function', byFunction);
