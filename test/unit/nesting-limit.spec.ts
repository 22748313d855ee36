import { MAX_NESTING, nestsDeeperThan } from '../../src/common/validation/validation.pipe.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

describe('nesting limit of bodies and socket payloads', () => {
  it.each([
    ['lets a scalar through', 'text', false],
    ['lets null through', null, false],
    ['lets an empty object through', {}, false],
    ['lets exactly MAX_NESTING levels through', nested(MAX_NESTING), false],
    ['refuses one level more', nested(MAX_NESTING + 1), true],
    ['refuses a hundred thousand levels (what overflowed class-transformer) without overflowing itself', nested(100_000), true],
  ])('%s', (_what, value, deeper) => {
    expect(nestsDeeperThan(value, MAX_NESTING)).toBe(deeper);
  });

  it('looks at every branch, not just the first', () => {
    expect(nestsDeeperThan({ shallow: 1, list: [1, 2, { deep: nested(MAX_NESTING) }] }, MAX_NESTING)).toBe(true);
  });
});
