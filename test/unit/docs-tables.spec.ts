import { readFileSync } from 'node:fs';
import { permissionTable } from '../../src/access/permission.js';
import { rateLimitTable } from '../../src/common/rate-limits/rate-limits.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's copy between `<!-- name:start -->` and `<!-- name:end -->`. */
function section(name: string): string {
  const match = readme.match(new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`));
  if (!match) throw new Error(`README.md has no ${name} section`);
  return match[1];
}

describe("the README's generated tables", () => {
  it('lists every permission exactly as src/access/permission.ts says (paste the expected table on failure)', () => {
    expect(section('permissions')).toBe(permissionTable());
  });

  it('lists every rate limit exactly as src/common/rate-limits/rate-limits.ts says', () => {
    expect(section('rate-limits')).toBe(rateLimitTable());
  });
});
