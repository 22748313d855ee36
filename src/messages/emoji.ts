/**
 * What a reaction may be: 1–32 characters without spaces or control characters, either containing at least
 * one emoji (a pictograph, a flag's regional indicators or a keycap) or a `:shortcode:` such as
 * `:thumbsup:` for clients with custom emoji. Compared exactly: 👍 and 👍🏽 are different reactions.
 */
const PICTOGRAPHIC = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]/u;
const SHORTCODE = /^:[a-z0-9_+-]{1,30}:$/;
const FORBIDDEN = /[\s\p{Cc}\p{Cs}]/u;

export const EMOJI_MAX_LENGTH = 32;

export function isValidEmoji(emoji: string): boolean {
  if (emoji.length < 1 || emoji.length > EMOJI_MAX_LENGTH || FORBIDDEN.test(emoji)) return false;
  return SHORTCODE.test(emoji) || PICTOGRAPHIC.test(emoji);
}
