/**
 * The one rule for text that names or describes someone or something to other people — display names,
 * status texts, group titles — so a name can't hide, impersonate or rearrange what is shown around it:
 *
 * - no control characters (tabs, new lines, C1 controls) and no line or paragraph separators;
 * - no bidirectional controls: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
 *   the direction marks (U+200E, U+200F, U+061C) — `\u202Egnp.exe` shows as "exe.png";
 * - no other invisible format characters (Unicode category Cf: zero-width space, word joiner, BOM, soft
 *   hyphen, …), except the two joiners that scripts and emoji need (ZWNJ U+200C, ZWJ U+200D) and the tag
 *   characters of subdivision flags (U+E0020–U+E007F);
 * - after trimming, at least one visible character: a letter, digit, symbol or punctuation mark that is
 *   not one of the blank-looking letters (Hangul fillers, the blank Braille pattern). Empty text is
 *   judged by the field's own minimum length, not here.
 */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const FORMAT = /\p{Cf}/gu;
const ALLOWED_FORMAT = /^(?:\u200C|\u200D|[\u{E0020}-\u{E007F}])$/u;
const VISIBLE = /[\p{L}\p{N}\p{S}\p{P}]/u;
const BLANK_LOOKING = /\u115F|\u1160|\u3164|\uFFA0|\u2800/gu;

const codePoint = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` is not fit to be shown as a name, or null when it is. */
export function humanTextProblem(text: string): string | null {
  const control = CONTROL.exec(text) ?? BIDI_CONTROL.exec(text);
  if (control) return `must not contain control or bidirectional characters (found ${codePoint(control[0])})`;
  for (const [format] of text.matchAll(FORMAT)) {
    if (!ALLOWED_FORMAT.test(format)) return `must not contain invisible formatting characters (found ${codePoint(format)})`;
  }
  if (text.length > 0 && !VISIBLE.test(text.replace(BLANK_LOOKING, ''))) return 'must contain a visible character';
  return null;
}
