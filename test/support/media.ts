import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import type { GivenUser } from './given.js';
import { fileForm, type FormPart, multipartForm } from './multipart.js';
import type { TestApp } from './test-app.js';

export interface MediaBody {
  id: string;
  mimeType: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string | null;
}

/** A fresh MEDIA_DIR for one test app, removed by `remove()`. */
export function temporaryMediaDir() {
  const path = mkdtempSync(join(tmpdir(), 'chat-test-media-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every file under `dir` (temporary ones included), relative to it. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Upload requests and what they leave behind. */
export function mediaClient(running: TestApp) {
  const { app } = running;
  return {
    upload(user: GivenUser, content: Buffer, filename = 'upload.bin', contentType?: string) {
      const form = fileForm(content, filename, contentType);
      return app.inject({ method: 'POST', url: '/api/v1/media', headers: { ...user.auth, ...form.headers }, payload: form.payload });
    },

    uploadForm(user: GivenUser, parts: FormPart[]) {
      const form = multipartForm(parts);
      return app.inject({ method: 'POST', url: '/api/v1/media', headers: { ...user.auth, ...form.headers }, payload: form.payload });
    },

    /** Uploads and expects a 201. */
    async uploaded(user: GivenUser, content: Buffer, filename = 'upload.bin'): Promise<MediaBody> {
      const response = await this.upload(user, content, filename);
      if (response.statusCode !== 201) throw new Error(`upload answered ${response.statusCode}: ${response.body}`);
      return response.json() as MediaBody;
    },

    get(user: GivenUser | null, url: string, headers: Record<string, string> = {}) {
      return app.inject({ method: 'GET', url, headers: { ...(user?.auth ?? {}), ...headers } });
    },

    async rowsOf(user: GivenUser): Promise<number> {
      const [row] = await app.get(DataSource).query('SELECT count(*)::int AS count FROM media WHERE uploader_id = $1', [user.id]);
      return row.count as number;
    },
  };
}

/** The bearer route of a signed media URL (`…/signed/content?…` → `…/content`): for tests of access through the token. */
export const bearerPath = (url: string): string => url.replace(/\/signed\/(content|thumbnail)\?.*$/, '/$1');

/** `Media` with its URLs as bearer paths, to compare uploads however their URLs were signed (for whom, when). */
export const asBearer = <T extends MediaBody | null | undefined>(media: T): T =>
  (media && { ...media, url: bearerPath(media.url), thumbnailUrl: media.thumbnailUrl && bearerPath(media.thumbnailUrl) }) as T;
