import { PassThrough, Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { ZipFile } from 'yazl';
import { MediaStorage } from '../media/storage/media-storage.js';
import { EXPORT_PAGE_SIZE, ExportSources } from './export-sources.js';

/** The longest archive an export may write; past it the run fails (nothing is kept). */
const ARCHIVE_LIMIT_BYTES = 50 * 1024 ** 3;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A JSON array written page by page: `[`, the rows, `]`, never the whole list in memory. */
export function jsonArray<T>(pages: () => AsyncGenerator<T[]>): Readable {
  async function* text() {
    yield '[';
    let first = true;
    for await (const page of pages()) {
      for (const row of page) {
        yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
        first = false;
      }
    }
    yield '\n]\n';
  }
  return Readable.from(text());
}

/** Pages of `fetch(after)`, each from the key of the previous page's last row, until a short page. */
export async function* keyset<T, K>(first: K, fetch: (after: K) => Promise<T[]>, keyOf: (row: T) => K): AsyncGenerator<T[]> {
  let after = first;
  for (;;) {
    const page = await fetch(after);
    if (page.length) yield page;
    if (page.length < EXPORT_PAGE_SIZE) return;
    after = keyOf(page[page.length - 1]);
  }
}

/**
 * Writes a user's data export: a zip archive streamed into media storage under `key`, in bounded memory
 * (every query paginated, every file streamed). Inside:
 * - `profile.json`; `conversations.json` (id, type, title, role, joinedAt of each conversation they are in);
 * - `messages.json` (every message they sent: id, conversationId, seq, content, replyToId, threadRootId,
 *   createdAt, editedAt, deletedAt, attachmentIds); `reactions.json` (messageId, emoji, createdAt);
 * - `uploads.json` (id, mimeType, size, createdAt, file) and each upload's bytes under `uploads/`.
 */
@Injectable()
export class ExportArchive {
  constructor(
    private readonly sources: ExportSources,
    private readonly storage: MediaStorage,
  ) {}

  /** Answers the archive's size; throws (and keeps nothing) when a query, a file or the storage fails. */
  async write(userId: string, key: string, signal?: AbortSignal): Promise<number> {
    const zip = new ZipFile();
    const output = zip.outputStream as PassThrough;
    zip.on('error', (error: Error) => output.destroy(error));
    signal?.addEventListener('abort', () => output.destroy(signal.reason as Error), { once: true });
    const written = this.storage.write(key, output, ARCHIVE_LIMIT_BYTES);
    // Awaited below; a failure before then must not count as unhandled.
    written.catch(() => undefined);
    try {
      const profile = await this.sources.profile(userId);
      zip.addBuffer(Buffer.from(`${JSON.stringify(profile ?? null, null, 2)}\n`), 'profile.json');
      zip.addReadStream(
        jsonArray(() =>
          keyset(
            NIL_UUID,
            (after) => this.sources.conversations(userId, after),
            (row) => row.id,
          ),
        ),
        'conversations.json',
      );
      zip.addReadStream(
        jsonArray(() =>
          keyset(
            NIL_UUID,
            (after) => this.sources.messages(userId, after),
            (row) => row.id,
          ),
        ),
        'messages.json',
      );
      zip.addReadStream(
        jsonArray(() =>
          keyset(
            { messageId: NIL_UUID, emoji: '' },
            (after) => this.sources.reactions(userId, after),
            (row) => ({ messageId: row.messageId, emoji: row.emoji }),
          ),
        ),
        'reactions.json',
      );
      const fileOf = (upload: { id: string; mimeType: string }) => `uploads/${upload.id}.${upload.mimeType.split('/')[1] ?? 'bin'}`;
      const uploadPages = () =>
        keyset(
          NIL_UUID,
          (after) => this.sources.uploads(userId, after),
          (row) => row.id,
        );
      zip.addReadStream(
        jsonArray(async function* () {
          for await (const page of uploadPages()) yield page.map((upload) => ({ ...upload, file: fileOf(upload) }));
        }),
        'uploads.json',
      );
      for await (const page of uploadPages()) {
        for (const upload of page) {
          zip.addReadStreamLazy(fileOf(upload), (callback) => {
            this.storage.read(upload.id).then(
              (stream) => callback(null, stream),
              (error: unknown) => callback(error, undefined as unknown as NodeJS.ReadableStream),
            );
          });
        }
      }
      zip.end();
    } catch (error) {
      output.destroy(error as Error);
    }
    return (await written).size;
  }
}
