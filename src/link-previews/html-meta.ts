import type { LinkPreview } from '../messages/link-preview.types.js';

const HEAD_END = /<\/head\s*>|<body[\s>]/i;
const META = /<meta\s[^>]{0,2000}>/gi;
const ATTRIBUTE = /([a-zA-Z:_-]{1,64})\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^\s"'>]{1,2000}))/g;
const TITLE = /<title[^>]{0,200}>([^<]{0,1000})<\/title\s*>/i;
const TEXT_MAX = { title: 300, description: 1000, siteName: 200 };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** Trimmed, one line, without control characters, at most `max` characters; null when nothing is left. */
function clean(text: string | undefined, max: number): string | null {
  if (!text) return null;
  const value = decode(text)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return value ? value.slice(0, max) : null;
}

function absoluteHttpUrl(value: string | undefined, base: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(decode(value.trim()), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString().slice(0, 2048) : null;
  } catch {
    return null;
  }
}

/**
 * The preview from a page's `<head>`: Open Graph tags first, then Twitter cards, `description` and
 * `<title>`. Only the head is read, with bounded patterns (every repetition has a limit), so a hostile
 * page costs at most linear time in the capped body. Null when the page offers no title at all.
 */
export function parseHead(html: string, pageUrl: string): LinkPreview | null {
  const end = html.search(HEAD_END);
  const head = end === -1 ? html : html.slice(0, end);
  const tags = new Map<string, string>();
  for (const [tag] of head.matchAll(META)) {
    const attributes = new Map<string, string>();
    for (const match of tag.matchAll(ATTRIBUTE)) attributes.set(match[1].toLowerCase(), match[2] ?? match[3] ?? match[4] ?? '');
    const key = (attributes.get('property') ?? attributes.get('name'))?.toLowerCase();
    const content = attributes.get('content');
    if (key && content !== undefined && !tags.has(key)) tags.set(key, content);
  }
  const title = clean(tags.get('og:title') ?? tags.get('twitter:title') ?? head.match(TITLE)?.[1], TEXT_MAX.title);
  if (!title) return null;
  return {
    url: absoluteHttpUrl(tags.get('og:url'), pageUrl) ?? pageUrl,
    title,
    description: clean(tags.get('og:description') ?? tags.get('twitter:description') ?? tags.get('description'), TEXT_MAX.description),
    imageUrl: absoluteHttpUrl(tags.get('og:image') ?? tags.get('twitter:image'), pageUrl),
    siteName: clean(tags.get('og:site_name'), TEXT_MAX.siteName),
  };
}
