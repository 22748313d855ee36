import { RangeNotSatisfiable } from '../../src/common/errors/app.exception.js';
import { answerFor, noneMatch, parseRange, type ServedContent } from '../../src/media/content-response.js';

describe('byte ranges (RFC 9110)', () => {
  it.each([
    ['bytes=0-0', { kind: 'range', start: 0, end: 0 }],
    ['bytes=10-19', { kind: 'range', start: 10, end: 19 }],
    ['bytes=90-', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-1000', { kind: 'range', start: 0, end: 99 }],
    ['bytes=50-5000', { kind: 'range', start: 50, end: 99 }],
    [' bytes=1-2 ', { kind: 'range', start: 1, end: 2 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=100-200', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=5-1', { kind: 'none' }],
    ['bytes=-', { kind: 'none' }],
    ['bytes=0-1,5-6', { kind: 'none' }],
    ['items=0-1', { kind: 'none' }],
    ['bytes=a-b', { kind: 'none' }],
  ])('reads %j of 100 bytes as %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it('serves everything without a Range', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
  });
});

describe('If-None-Match', () => {
  it.each([
    [undefined, true],
    ['"abc"', false],
    ['W/"abc"', false],
    ['"x", "abc"', false],
    ['*', false],
    ['"x"', true],
  ])('%j against "abc" means modified: %s', (header, modified) => {
    expect(noneMatch(header, '"abc"')).toBe(modified);
  });
});

describe('answering a download', () => {
  const pdf: ServedContent = { size: 100, mimeType: 'application/pdf', etag: '"abc"', disposition: 'attachment', filename: 'id.pdf' };

  it('answers 200 with the whole content and the safety headers', () => {
    expect(answerFor(pdf, {})).toEqual({
      status: 200,
      bytes: { start: 0, end: 99 },
      headers: expect.objectContaining({
        'content-type': 'application/pdf',
        'content-length': '100',
        'content-disposition': 'attachment; filename="id.pdf"',
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
        etag: '"abc"',
        'cache-control': expect.stringMatching(/^private/),
        'content-security-policy': expect.stringContaining('sandbox'),
      }),
    });
  });

  it('answers 206 with content-range', () => {
    const answer = answerFor(pdf, { range: 'bytes=10-19' });
    expect(answer.status).toBe(206);
    expect(answer.bytes).toEqual({ start: 10, end: 19 });
    expect(answer.headers).toMatchObject({ 'content-range': 'bytes 10-19/100', 'content-length': '10' });
  });

  it('answers 304 without a body when the ETag matches, whatever the range', () => {
    const answer = answerFor(pdf, { ifNoneMatch: '"abc"', range: 'bytes=0-1' });
    expect(answer.status).toBe(304);
    expect(answer.bytes).toBeUndefined();
  });

  it('ignores the range when If-Range names another version', () => {
    expect(answerFor(pdf, { range: 'bytes=0-1', ifRange: '"other"' }).status).toBe(200);
    expect(answerFor(pdf, { range: 'bytes=0-1', ifRange: '"abc"' }).status).toBe(206);
  });

  it('refuses a range past the end with the size', () => {
    let refused: unknown;
    try {
      answerFor(pdf, { range: 'bytes=100-' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RangeNotSatisfiable);
    expect(refused).toMatchObject({ size: 100, code: 'RANGE_NOT_SATISFIABLE' });
  });
});
