'use strict';
/**
 * Is this Node.js one that package.json's `engines.node` accepts? Plain CommonJS with nothing newer than
 * Node 12 can parse, so that an old Node gets one clear line instead of a crash deep inside the ES-module
 * app. `node scripts/check-node.cjs` exits 1 with that line on an unsupported Node; `launch.cjs` runs the
 * same check before it loads anything else.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function parse(version) {
  const parts = String(version)
    .replace(/^[v=]/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  return [parts[0] || 0, parts[1] || 0, parts[2] || 0];
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** One comparator of a range: `^24.9.0`, `>=26`, `<27`, `26.1.0`. */
function satisfiesComparator(version, comparator) {
  const match = /^(\^|>=|<=|>|<|=)?\s*(.+)$/.exec(comparator);
  if (!match) return false;
  const bound = parse(match[2]);
  const order = compare(version, bound);
  switch (match[1]) {
    case '^':
      return order >= 0 && version[0] === bound[0];
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    default:
      return order === 0;
  }
}

/** The subset of npm's range syntax package.json uses: `||` between alternatives, spaces between comparators. */
function satisfies(version, range) {
  const parsed = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => satisfiesComparator(parsed, comparator)),
  );
}

function supportedRange() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
}

/** Exits 1 with one line on stderr when this Node.js is not one package.json supports. */
function requireSupportedNode() {
  const range = supportedRange();
  if (satisfies(process.versions.node, range)) return;
  process.stderr.write(
    `chat-backend needs Node.js ${range} (package.json "engines"), but this is Node.js ${process.versions.node} (${process.execPath}): ` +
      'install a supported Node.js (.nvmrc names it), or install the dependencies without --ignore-scripts so that npm scripts run on the project\'s own Node.js (the "node" devDependency).\n',
  );
  process.exit(1);
}

module.exports = { satisfies, supportedRange, requireSupportedNode };

if (require.main === module) requireSupportedNode();
