import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { MediaUrls } from '../../src/media/media-urls.js';
import { launchBrowser, serveSite, type Site, type TestBrowser } from '../support/browser.js';
import { builders, type GivenUser } from '../support/given.js';
import { chatBuilders } from '../support/given-chat.js';
import { temporaryMediaDir } from '../support/media.js';
import { image } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * Media in a real browser, from a page on another origin: a file picked in an `<input type=file>` is
 * uploaded with fetch and the bearer token; then the page shows it with nothing but its signed URL —
 * an `<img>` that decodes, a `<video>` that seeks (the server sees the range requests) — and an expired
 * URL is refused. (Token refresh from such a page is covered by cross-origin.browser-spec.ts.)
 */

/** The few DOM types the page code below uses (the project compiles without the DOM library). */
interface PageImage {
  onload: (() => void) | null;
  onerror: (() => void) | null;
  src: string;
  naturalWidth: number;
  naturalHeight: number;
}
interface PageVideo {
  preload: string;
  muted: boolean;
  src: string;
  currentTime: number;
  duration: number;
  videoWidth: number;
  readyState: number;
  error: { code: number; message: string } | null;
  addEventListener(name: string, listener: () => void, options?: { once: boolean }): void;
}
declare const document: {
  querySelector(selector: '#picker'): { files: Blob[] } | null;
  querySelector(selector: '#shown'): { append(element: PageImage | PageVideo): void } | null;
  createElement(tag: 'img'): PageImage;
  createElement(tag: 'video'): PageVideo;
};

/**
 * 8 s of VP8 (320×240 at 10 fps, a keyframe every second, noise so it weighs 2.8 MB — more than Chromium
 * buffers for preload=metadata, so seeking needs a range request further in): a real, seekable WebM, made with
 * `ffmpeg -f lavfi -i "testsrc=size=320x240:rate=10,noise=alls=60:allf=t" -t 8 -c:v libvpx -b:v 3M -minrate 3M
 * -maxrate 3M -g 10 -an -fflags +bitexact clip.webm`.
 */
const CLIP = readFileSync(new URL('../fixtures/clip.webm', import.meta.url));

const PICKER_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>picker</title></head>
<body><input type="file" id="picker"><div id="shown"></div></body></html>`;

interface Upload {
  id: string;
  mimeType: string;
  url: string;
  thumbnailUrl: string | null;
  width: number | null;
}

interface SeenRequest {
  url: string;
  range: string | undefined;
  status: number;
}

const mediaDir = temporaryMediaDir();
let browser: TestBrowser;
let site: Site;
let running: TestApp;
let page: Page;
let ada: GivenUser;
const seen: SeenRequest[] = [];

beforeAll(async () => {
  [browser, site] = await Promise.all([launchBrowser(), serveSite()]);
  site.add('/picker', PICKER_PAGE);
  running = await startTestApp({ CORS_ORIGINS: site.origin, MEDIA_DIR: mediaDir.path }, { listen: true });
  (running.app.getHttpServer() as Server).on('request', (request: IncomingMessage, response: ServerResponse) => {
    // 'close' too: the browser cuts a media request short once it has what it needs.
    let noted = false;
    const note = () => {
      // 0: cut short before the answer started (the status would still read the default 200).
      if (!noted) seen.push({ url: request.url ?? '', range: request.headers.range, status: response.headersSent ? response.statusCode : 0 });
      noted = true;
    };
    response.on('finish', note);
    response.on('close', note);
  });
  ada = await builders(running).user();
  page = await browser.open(site, '/picker');
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await site?.close();
  mediaDir.remove();
});

/** Picks `file` in the page's `<input type=file>` (as a person would) and uploads it from the page. */
async function pickAndUpload(file: { name: string; mimeType: string; buffer: Buffer }): Promise<Upload> {
  await page.setInputFiles('#picker', file);
  const answer = await page.evaluate(
    async ({ api, token }) => {
      const input = document.querySelector('#picker')!;
      const form = new FormData();
      form.append('file', input.files[0]);
      const response = await fetch(`${api}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      return { status: response.status, body: (await response.json()) as Upload };
    },
    { api: running.url, token: ada.accessToken },
  );
  expect(answer.status).toBe(201);
  return answer.body;
}

it('uploads a picked image and shows it with <img> through its signed URL, no header sent', async () => {
  const upload = await pickAndUpload({ name: 'photo.png', mimeType: 'image/png', buffer: await image.png(120, 80) });
  expect(upload).toMatchObject({ mimeType: 'image/png', width: 120, url: expect.stringContaining('/signed/content?') });
  const shown = await page.evaluate(
    async ({ api, urls }) =>
      Promise.all(
        urls.map(
          (url) =>
            new Promise<{ width: number; height: number }>((resolve, reject) => {
              const img = document.createElement('img');
              img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
              img.onerror = () => reject(new Error(`the image did not load: ${url}`));
              img.src = `${api}${url}`;
              document.querySelector('#shown')!.append(img);
            }),
        ),
      ),
    { api: running.url, urls: [upload.url, upload.thumbnailUrl!] },
  );
  expect(shown).toEqual([
    { width: 120, height: 80 },
    { width: expect.any(Number), height: expect.any(Number) },
  ]);
  expect(shown[1].width).toBeGreaterThan(0);
  const loads = seen.filter((request) => request.url === upload.url);
  expect(loads.map((request) => request.status)).toEqual([200]);
});

it('plays a picked video in <video> and seeks through its signed URL with range requests', async () => {
  const upload = await pickAndUpload({ name: 'clip.webm', mimeType: 'video/webm', buffer: CLIP });
  expect(upload.mimeType).toBe('video/webm');
  // At loopback speed the first range could bring the whole clip before the seek, and the seek would
  // need no second one (seen on a fast run). At 1 MB/s the 2.8 MB clip takes ~3 s: the seek to the end
  // comes long before, so it must be a range further in.
  const network = await page.context().newCDPSession(page);
  await network.send('Network.enable');
  await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 1_000_000, uploadThroughput: -1 });
  const played = await page.evaluate(
    async ({ src }) => {
      const video = document.createElement('video');
      video.preload = 'metadata';
      video.muted = true;
      const once = (name: string) =>
        new Promise<void>((resolve, reject) => {
          video.addEventListener(name, () => resolve(), { once: true });
          video.addEventListener('error', () => reject(new Error(`video error ${video.error?.code}: ${video.error?.message}`)), { once: true });
        });
      const metadata = once('loadedmetadata');
      video.src = src;
      document.querySelector('#shown')!.append(video);
      await metadata;
      const seeked = once('seeked');
      video.currentTime = 7.5;
      await seeked;
      return { duration: video.duration, currentTime: video.currentTime, width: video.videoWidth, readyState: video.readyState };
    },
    { src: `${running.url}${upload.url}` },
  );
  await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await network.detach();
  expect(played.duration).toBeCloseTo(8, 0);
  expect(played.currentTime).toBeCloseTo(7.5, 1);
  expect(played.width).toBe(320);
  const loads = seen.filter((request) => request.url === upload.url);
  expect(loads.length).toBeGreaterThan(0);
  // The browser asks for ranges of the signed URL and gets 206s; the seek past what it had buffered is a
  // range that starts further in (the clip is larger than what preload=metadata fetches first).
  expect(loads.every((request) => request.range?.startsWith('bytes=') && [206, 0].includes(request.status))).toBe(true);
  expect(loads.some((request) => request.status === 206)).toBe(true);
  expect(loads.some((request) => /^bytes=[1-9]\d*-/.test(request.range ?? ''))).toBe(true);
});

it('is refused an expired URL: the <img> fails, and fetch reads 403 URL_EXPIRED', async () => {
  const upload = await pickAndUpload({ name: 'late.png', mimeType: 'image/png', buffer: await image.png(20, 20) });
  const expired = running.app.get(MediaUrls).signed(upload.id, 'content', { kind: 'viewer', userId: ada.id }, Math.floor(Date.now() / 1000) - 1);
  const outcome = await page.evaluate(
    async ({ src }) => {
      const img = await new Promise<string>((resolve) => {
        const element = document.createElement('img');
        element.onload = () => resolve('loaded');
        element.onerror = () => resolve('refused');
        element.src = src;
      });
      const response = await fetch(src);
      return { img, status: response.status, body: (await response.json()) as { code: string } };
    },
    { src: `${running.url}${expired}` },
  );
  expect(outcome).toEqual({ img: 'refused', status: 403, body: expect.objectContaining({ code: 'URL_EXPIRED' }) });
});

it('loses an attachment URL once the message is deleted: loaded afresh, the same URL is a 404', async () => {
  const bob = await builders(running).user();
  const chat = chatBuilders(running);
  const group = await chat.group(ada, [bob]);
  const upload = await pickAndUpload({ name: 'gone.png', mimeType: 'image/png', buffer: await image.png(24, 24) });
  const message = await chat.message(ada, group, 'look', { attachmentIds: [upload.id] });
  const src = `${running.url}${(message as unknown as { attachments: Upload[] }).attachments[0].url}`;
  const show = () =>
    page.evaluate(
      ({ url }) =>
        new Promise<string>((resolve) => {
          const element = document.createElement('img');
          element.onload = () => resolve('loaded');
          element.onerror = () => resolve('refused');
          element.src = url;
        }),
      { url: src },
    );
  expect(await show()).toBe('loaded');
  const deleted = await running.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${group.id}/messages/${message.id}`, headers: ada.auth });
  expect(deleted.statusCode).toBe(204);
  // The browser may keep its copy until the URL expires (cache-control: private, max-age); a new page load asks again.
  const fresh = await browser.open(site, '/picker');
  const again = await fresh.evaluate(async ({ url }) => (await fetch(url, { cache: 'no-store' })).status, { url: src });
  expect(again).toBe(404);
  await fresh.close();
});
