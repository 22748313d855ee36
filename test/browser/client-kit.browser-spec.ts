import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatClient } from '@chat-backend/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildWebApp } from '../../examples/web/build.mjs';
import { image } from '../support/media-samples.js';
import { CHROMIUM_PATH, recordRequests, serveSite, type Site } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

/**
 * The screenshots in docs/ are this suite's: `UPDATE_SCREENSHOTS=1 npm run test:browser` writes them there;
 * other runs take them too (the pages must render) but into the temporary directory, so a test run leaves
 * the working tree as it found it.
 */
const screenshotDir = process.env.UPDATE_SCREENSHOTS ? 'docs' : mkdtempSync(join(tmpdir(), 'chat-screenshots-'));
const screenshotPath = (name: string) => join(screenshotDir, name);

/*
 * The reference app (examples/web, built on the client kit) in real Chromium, from its own origin: two
 * people sign up and chat; one goes offline (the browser's own offline mode), the other keeps writing,
 * the offline one writes too, comes back — and each side shows every message exactly once. Then two tabs
 * of one user refresh at the same moment while one of them sends: one refresh between them, the session
 * lives on, the message arrives once. The screenshots in docs/ come from this suite.
 */

/** The page's kit client (examples/web/src/app.ts puts it on `window`). */
declare const chat: ChatClient;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let site: Site;
let running: TestApp;
let requests: ReturnType<typeof recordRequests>;
const contexts: BrowserContext[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  site = await serveSite();
  const app = await buildWebApp();
  site.add('/', app['index.html']);
  site.add('/app.js', app['app.js'], 'text/javascript; charset=utf-8');
  site.add('/app.css', app['app.css'], 'text/css; charset=utf-8');
  running = await startTestApp({ CORS_ORIGINS: site.origin }, { listen: true });
  requests = recordRequests(running.app.getHttpServer() as Server);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await running?.close();
  await site?.close();
  for (const close of closers) await close();
});

let browser: Browser | undefined;

/** A browser context of its own (one person's device): its own storage, locks and network switch. */
async function device(): Promise<BrowserContext> {
  if (!browser) {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const launched = browser;
    closers.push(() => launched.close());
  }
  const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
  contexts.push(context);
  return context;
}

async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${site.origin}/?api=${encodeURIComponent(running.url)}`);
  return page;
}

async function signUp(page: Page, name: string): Promise<void> {
  await page.fill('input[name=email]', `${name}@example.test`);
  await page.fill('input[name=username]', name);
  await page.fill('input[name=password]', 'correct horse battery');
  await page.click('button.signup');
  await page.waitForSelector('.status.online');
}

/** The contents of the messages a page shows in its conversation pane, in order. */
const shown = (page: Page) => page.$$eval('.pane .messages .message:not(.pending) .content', (nodes) => nodes.map((node) => node.textContent));

async function say(page: Page, text: string): Promise<void> {
  await page.fill('input[name=text]', text);
  await page.press('input[name=text]', 'Enter');
}

let adaDevice: BrowserContext;
let bobDevice: BrowserContext;
let ada: Page;
let bob: Page;
const expected = ['Noon at the usual place?', 'Yes!', 'Shall I book?', 'Booked for four.', 'See you there', 'written offline'];

// One story in steps: each step starts where the previous one left the two browsers.
it('two people sign up and chat: unread badge, read receipt, reaction', async () => {
  [adaDevice, bobDevice] = await Promise.all([device(), device()]);
  ada = await openApp(adaDevice);
  bob = await openApp(bobDevice);
  await signUp(ada, 'ada_kit');
  await signUp(bob, 'bob_kit');

  // Ada makes a group with Bob and writes; Bob sees it unread, opens it, and Ada sees it read.
  await ada.fill('.new-group input[name=title]', 'Lunch');
  await ada.fill('.new-group input[name=members]', 'bob_kit');
  await ada.click('.new-group button');
  await ada.waitForSelector('input[name=text]');
  await say(ada, 'Noon at the usual place?');
  await bob.waitForSelector('.conversations .badge.unread');
  expect(await bob.textContent('.conversations .badge.unread')).toBe('1');
  await bob.click('.conversations li');
  await until(async () => (await shown(bob)).length === 1, 'bob sees the message');
  await say(bob, 'Yes!');
  await ada.waitForSelector('.message.mine .meta:has-text("✓ read")');
  await until(async () => (await shown(ada)).length === 2, 'ada sees the answer');
  await ada.click('.message:not(.mine) .actions button');
  await bob.waitForSelector('.message.mine .reactions button:has-text("👍 1")');
  mkdirSync(screenshotDir, { recursive: true });
});

it('one goes offline and comes back: what he missed and what he wrote offline arrive once each', async () => {
  // Bob's network goes: his socket closes. Ada keeps writing; Bob writes too (his outbox holds it).
  await bobDevice.setOffline(true);
  await bob.waitForSelector('.status.offline');
  for (const text of ['Shall I book?', 'Booked for four.', 'See you there']) await say(ada, text);
  await say(bob, 'written offline');
  await bob.waitForSelector('.message.pending');
  await bob.screenshot({ path: screenshotPath('client-app-offline.png') });

  // Back online: /sync brings what he missed, the outbox sends his message (once), nothing doubles.
  await bobDevice.setOffline(false);
  await until(async () => (await shown(bob)).length >= expected.length && (await bob.$$('.message.pending')).length === 0, 'bob caught up');
  await until(async () => (await shown(ada)).length >= expected.length, 'ada got the offline message');
  expect(await shown(bob)).toEqual(expected);
  expect(await shown(ada)).toEqual(expected);
});

it('two tabs of one user refresh at the same moment while one sends: one refresh, the session lives, nothing doubles', async () => {
  // A second tab of Ada's: both tabs refresh at the same moment while the first sends.
  const adaTab = await openApp(adaDevice);
  await adaTab.waitForSelector('.status.online');
  const before = requests.filter((request) => request.url === '/api/v1/auth/refresh' && request.method === 'POST').length;
  const basedOn = await ada.evaluate(() => chat.tokens.current()?.refreshToken);
  const conversationId = await ada.getAttribute('.conversations li.active', 'data-id');
  const [, , seq] = await Promise.all([
    ada.evaluate((token) => chat.tokens.refresh(token).then(() => 'ok'), basedOn),
    adaTab.evaluate((token) => chat.tokens.refresh(token).then(() => 'ok'), basedOn),
    ada.evaluate((id) => chat.send(id ?? '', { content: 'sent during the refresh' }).then((message) => message.seq), conversationId),
  ]);
  expect(seq).toBe(expected.length + 1);
  const refreshes = requests.filter((request) => request.url === '/api/v1/auth/refresh' && request.method === 'POST').length - before;
  expect(refreshes).toBe(1);
  // Both tabs hold the one new pair, and it works.
  const [first, second] = await Promise.all([
    ada.evaluate(() => chat.tokens.current()?.refreshToken),
    adaTab.evaluate(() => chat.tokens.current()?.refreshToken),
  ]);
  expect(first).toBe(second);
  expect(first).not.toBe(basedOn);
  await adaTab.click('.conversations li');
  await adaTab.waitForSelector('input[name=text]');
  await say(adaTab, 'from the second tab');
  await until(async () => (await shown(bob)).includes('from the second tab'), 'bob got the second tab’s message');
  expect(await shown(bob)).toEqual([...expected, 'sent during the refresh', 'from the second tab']);
  expect(await adaTab.evaluate(() => chat.status)).toBe('online');
  await bob.screenshot({ path: screenshotPath('client-app-caught-up.png') });
});

it('uploads with thumbnails, edits, deletes and threads reach the other side', async () => {
  // An image with its thumbnail (a signed URL, loaded by <img> with no header), an edit, a delete, a thread.
  await bob.setInputFiles('input[name=file]', { name: 'place.png', mimeType: 'image/png', buffer: await image.png(320, 200) });
  await say(bob, 'the place');
  await ada.waitForSelector('.message img');
  await until(
    () =>
      ada.$eval(
        '.message img',
        (img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0,
      ),
    'the thumbnail loads',
  );
  ada.once('dialog', (dialog) => void dialog.accept('See you there at 12'));
  await ada.click('.message.mine:has-text("See you there") .actions button:has-text("edit")');
  await bob.waitForSelector('.message:has-text("See you there at 12") .meta:has-text("edited")');
  await ada.click('.message.mine:has-text("Booked for four.") .actions button.delete');
  await bob.waitForSelector('.message .content:text-is("(deleted)")');
  await bob.click('.message:has-text("Shall I book?") .actions button:has-text("reply")');
  await say(bob, 'yes, please');
  await ada.click('.message:has-text("Shall I book?") .actions button:has-text("1 replies")');
  await ada.waitForSelector('.thread .message:has-text("yes, please")');
  await ada.screenshot({ path: screenshotPath('client-app.png') });
});
