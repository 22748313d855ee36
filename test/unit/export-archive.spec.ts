import { text } from 'node:stream/consumers';
import { loadConfig } from '../../src/config/app-config.js';
import { jsonArray, keyset } from '../../src/exports/export-archive.js';
import { EXPORT_PAGE_SIZE } from '../../src/exports/export-sources.js';
import { MediaUrls } from '../../src/media/media-urls.js';

const EXPORT = '3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718';
const USER = '0b6f2d1e-8a3c-4b5d-9e7f-1a2b3c4d5e6f';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

describe('export archive pieces', () => {
  it('pages by key until a short page, and writes the rows as one JSON array without holding them all', async () => {
    const rows = Array.from({ length: 2 * EXPORT_PAGE_SIZE + 3 }, (_, index) => ({ id: index + 1 }));
    const asked: number[] = [];
    const fetch = (after: number) => {
      asked.push(after);
      return Promise.resolve(rows.filter((row) => row.id > after).slice(0, EXPORT_PAGE_SIZE));
    };
    const written = await text(jsonArray(() => keyset(0, fetch, (row) => row.id)));
    expect(JSON.parse(written)).toEqual(rows);
    expect(asked).toEqual([0, EXPORT_PAGE_SIZE, 2 * EXPORT_PAGE_SIZE]);
    // An exact multiple of the page size asks once more and finds nothing.
    const exact = rows.slice(0, EXPORT_PAGE_SIZE);
    const pages: number[] = [];
    for await (const page of keyset(
      0,
      (after) => Promise.resolve(exact.filter((row) => row.id > after).slice(0, EXPORT_PAGE_SIZE)),
      (row) => row.id,
    )) {
      pages.push(page.length);
    }
    expect(pages).toEqual([EXPORT_PAGE_SIZE]);
    expect(
      JSON.parse(
        await text(
          jsonArray(() =>
            keyset(
              0,
              () => Promise.resolve([]),
              () => 0,
            ),
          ),
        ),
      ),
    ).toEqual([]);
  });

  it('signs export URLs for their owner; a media signature never passes for one', () => {
    const urls = new MediaUrls(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' }));
    const url = urls.exportUrl(EXPORT, USER, NOW);
    expect(url).toMatch(new RegExp(`^/api/v1/exports/${EXPORT}/signed\\?expires=\\d+&scope=u\\.${USER}&signature=[\\w-]{43}$`));
    const query = Object.fromEntries(new URL(url, 'http://api.test').searchParams);
    expect(urls.verifyExport(EXPORT, query, NOW)).toBe(USER);
    expect(() => urls.verifyExport(EXPORT, query, Number(query.expires) * 1000)).toThrow(expect.objectContaining({ code: 'URL_EXPIRED' }));
    const media = Object.fromEntries(
      new URL(urls.signed(EXPORT, 'content', { kind: 'viewer', userId: USER }, Number(query.expires)), 'http://api.test').searchParams,
    );
    expect(() => urls.verifyExport(EXPORT, media, NOW)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => urls.verify(EXPORT, 'content', query, NOW)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
