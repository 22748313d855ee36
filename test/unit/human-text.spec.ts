import { humanTextProblem } from '../../src/common/validation/human-text.js';

describe('the rule for names and descriptions shown to others', () => {
  it.each([
    'Ada Lovelace',
    'Zoë Ðorđević',
    'مرحبا بالعالم',
    'שָׁלוֹם',
    '北京烤鸭',
    'नमस्ते',
    'می‌خواهم', // Persian with a zero-width non-joiner, which the script needs
    '👨‍👩‍👧‍👦 family', // emoji joined by zero-width joiners
    '🏴󠁧󠁢󠁳󠁣󠁴󠁿', // a subdivision flag: tag characters
    '👍🏽',
    '1️⃣',
    'R2-D2',
    '…',
    'a\u3000b', // an ideographic space inside is fine
  ])('accepts %j', (text) => {
    expect(humanTextProblem(text)).toBeNull();
  });

  it.each([
    ['a right-to-left override', '\u202Egnp.exe', /bidirectional .*U\+202E/],
    ['a left-to-right isolate', 'Ada\u2066x\u2069', /bidirectional .*U\+2066/],
    ['a right-to-left mark', 'Ada\u200F', /bidirectional .*U\+200F/],
    ['an Arabic letter mark', '\u061CAda', /bidirectional .*U\+061C/],
    ['a new line', 'Ada\nAdmin', /control .*U\+000A/],
    ['a tab', 'Ada\tLovelace', /control .*U\+0009/],
    ['a C1 control', 'Ada\u0085', /control .*U\+0085/],
    ['a line separator', 'Ada\u2028Admin', /control .*U\+2028/],
    ['a zero-width space', 'Ad\u200Ba', /invisible .*U\+200B/],
    ['a word joiner', 'Ada\u2060', /invisible .*U\+2060/],
    ['a byte order mark inside', 'Ad\uFEFFa', /invisible .*U\+FEFF/],
    ['a soft hyphen', 'Ada\u00AD', /invisible .*U\+00AD/],
    ['zero-width joiners only', '\u200D\u200D', /visible character/],
    ['a Hangul filler only', '\u3164', /visible character/],
    ['blank Braille only', '\u2800\u2800', /visible character/],
    ['combining marks only', '\u0301\u0301', /visible character/],
  ])('refuses %s', (_what, text, problem) => {
    expect(humanTextProblem(text)).toMatch(problem);
  });

  it('leaves empty text to the field minimum', () => {
    expect(humanTextProblem('')).toBeNull();
  });
});
