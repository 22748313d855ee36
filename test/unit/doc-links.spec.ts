import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = process.cwd();
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** `[text](target)` and `<img src="target">` links that are not web addresses or in-page anchors. */
function localLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g), ...markdown.matchAll(/src="([^"]+)"/g)].map((match) => match[1]);
  return targets.filter((target) => !/^(?:[a-z]+:|#)/i.test(target)).map((target) => target.split('#')[0]);
}

describe('the documentation', () => {
  it.each(DOCUMENTS)('%s links only to files in the repository', (document) => {
    const missing = localLinks(readFileSync(join(ROOT, document), 'utf8')).filter((target) => {
      const path = join(ROOT, dirname(document), target);
      return !existsSync(path) || relative(ROOT, path).startsWith('..');
    });
    expect(missing).toEqual([]);
  });
});
