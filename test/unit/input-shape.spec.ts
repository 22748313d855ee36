import { LoginDto } from '../../src/auth/dto/login.dto.js';
import { ValidationFailed } from '../../src/common/errors/app.exception.js';
import fc from 'fast-check';
import { inputProblem, jsonTextProblem, MAX_ENTRIES, MAX_NESTING } from '../../src/common/validation/input-shape.js';
import { createValidationPipe, MAX_DETAILS } from '../../src/common/validation/validation.pipe.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

const wide = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, n) => [`k${n}`, n]));

describe('the shape of bodies, queries and socket payloads', () => {
  describe('nesting', () => {
    it.each([
      ['lets a scalar through', 'text', null],
      ['lets null through', null, null],
      ['lets an empty object through', {}, null],
      ['lets exactly MAX_NESTING levels through', nested(MAX_NESTING), null],
      ['refuses one level more', nested(MAX_NESTING + 1), 'The request is nested too deeply'],
      ['refuses a hundred thousand levels (what overflowed class-transformer) without overflowing itself', nested(100_000), 'The request is nested too deeply'],
    ])('%s', (_what, value, summary) => {
      expect(inputProblem(value, 'body')?.summary ?? null).toBe(summary);
    });

    it('looks at every branch, not just the first', () => {
      expect(inputProblem({ shallow: 1, list: [1, 2, { deep: nested(MAX_NESTING) }] }, 'body')?.detail).toEqual({
        field: 'body',
        message: `nested more than ${MAX_NESTING} levels deep`,
      });
    });
  });

  describe('width', () => {
    it('lets MAX_ENTRIES keys and array items through, counted over every level', () => {
      expect(inputProblem({ ...wide(MAX_ENTRIES - 2), list: [1] }, 'body')).toBeNull();
    });

    it.each([
      ['keys of one object', wide(MAX_ENTRIES + 1)],
      ['items of one array', { memberIds: Array.from({ length: MAX_ENTRIES }, (_, n) => n) }],
      ['keys spread over many small objects', { list: Array.from({ length: 300 }, (_, n) => ({ a: n, b: n, c: n })) }],
    ])('refuses more, as %s', (_what, value) => {
      expect(inputProblem(value, 'body')).toEqual({
        summary: 'The request has too many fields',
        detail: { field: 'body', message: `more than ${MAX_ENTRIES} fields and array items` },
      });
    });

    it('never reads past the bound: a 90,000-key body costs what a 1,000-key one does', () => {
      const body = wide(90_000);
      Object.defineProperty(body, `k${MAX_ENTRIES}`, {
        enumerable: true,
        get() {
          throw new Error('read past the bound');
        },
      });
      expect(inputProblem(body, 'body')?.summary).toBe('The request has too many fields');
    });

    it('refuses an over-wide login body in the pipe before class-transformer runs (one detail, not one per key)', async () => {
      const pipe = createValidationPipe();
      const refusal = await pipe
        .transform({ email: 'a@example.test', password: 'x'.repeat(10), ...wide(90_000) }, { type: 'body', metatype: LoginDto })
        .catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ValidationFailed);
      expect((refusal as ValidationFailed).details).toEqual([{ field: 'body', message: `more than ${MAX_ENTRIES} fields and array items` }]);
    });

    it('lists at most MAX_DETAILS problems of a body class-validator does look at', async () => {
      const pipe = createValidationPipe();
      const refusal = (await pipe.transform(wide(200), { type: 'body', metatype: LoginDto }).catch((error: unknown) => error)) as ValidationFailed;
      expect(refusal.details).toHaveLength(MAX_DETAILS);
      expect(refusal.message).toMatch(new RegExp(`first ${MAX_DETAILS} of \\d+ problems`));
    });

    it('quotes a long unknown key shortened', async () => {
      const pipe = createValidationPipe();
      const refusal = (await pipe
        .transform({ ['k'.repeat(100_000)]: 1 }, { type: 'body', metatype: LoginDto })
        .catch((error: unknown) => error)) as ValidationFailed;
      expect(JSON.stringify(refusal.details).length).toBeLessThan(2_000);
    });
  });

  describe('NUL characters', () => {
    it.each([
      ['a top-level field', { content: 'a\u0000b' }, 'content'],
      ['a nested field', { profile: { title: '\u0000' } }, 'profile.title'],
      ['an array item', { ids: ['ok', 'x\u0000'] }, 'ids.1'],
      ['a key', { 'bad\u0000key': 1 }, 'bad\\u0000key'],
      ['the whole input', 'a\u0000', 'query'],
    ])('are refused in %s, naming it', (_what, value, field) => {
      expect(inputProblem(value, 'query')?.detail).toEqual({ field, message: `${field} must not contain NUL characters (U+0000)` });
    });

    it('leave every other character alone', () => {
      expect(inputProblem({ content: '\u0001\u001f\uFEFF\uD800 👍🏽 北京' }, 'body')).toBeNull();
    });
  });
});

describe('the shape of a JSON body, from its text before parsing', () => {
  const summary = (text: string) => jsonTextProblem(text, 'body')?.summary ?? null;

  it('refuses exactly what the walk over the parsed body refuses, for nesting at and around the bound', () => {
    for (const depth of [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, MAX_NESTING + 2, 10_000]) {
      const text = JSON.stringify(nested(depth));
      expect(summary(text)).toBe(inputProblem(JSON.parse(text), 'body')?.summary ?? null);
    }
  });

  it('refuses a body wider than MAX_ENTRIES, and never one the walk lets through', () => {
    expect(summary(JSON.stringify(wide(MAX_ENTRIES + 1)))).toBe('The request has too many fields');
    expect(summary(JSON.stringify(wide(90_000)))).toBe('The request has too many fields');
    expect(summary(JSON.stringify(wide(MAX_ENTRIES)))).toBeNull();
    expect(summary(JSON.stringify(Array.from({ length: MAX_ENTRIES }, (_, n) => n)))).toBeNull();
  });

  it('does not count what is inside strings, escaped quotes included', () => {
    const inside = `${'[{,'.repeat(MAX_ENTRIES)}\\"${'{[,'.repeat(MAX_ENTRIES)}`;
    expect(summary(JSON.stringify({ content: inside, 'key,[{': inside.slice(0, 50) }))).toBeNull();
    expect(summary(`{"a":"\\\\"${',0'.repeat(MAX_ENTRIES)}}`)).toBe('The request has too many fields');
    expect(summary(JSON.stringify({ password: 'x'.repeat(1024 * 1024) }))).toBeNull();
  });

  it('leaves malformed text to the parser', () => {
    expect(summary('{"a": "never closed')).toBeNull();
    expect(summary(']]]]')).toBeNull();
  });

  it('agrees with the walk on any JSON value: when the text check refuses, so does the walk', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 40 }), (value) => {
        const text = JSON.stringify(value);
        const early = jsonTextProblem(text, 'body', { depth: 6, entries: 20 });
        // Too deep and too wide at once may be named either way round; refused it is, both ways.
        if (early) expect(inputProblem(JSON.parse(text), 'body', { depth: 6, entries: 20 })).not.toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
