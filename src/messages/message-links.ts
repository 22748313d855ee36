/** http(s) URLs as people paste them; trailing punctuation of the sentence is not part of the URL. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']{1,2000}/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** The first http(s) URL in a message's content (the one that gets a preview), or null. */
export function firstUrl(content: string | null | undefined): string | null {
  if (!content) return null;
  for (const match of content.matchAll(URL_PATTERN)) {
    const candidate = match[0].replace(TRAILING, '');
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
    } catch {
      // not a URL after all
    }
  }
  return null;
}
