import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { EventLogRepository } from '../events/event-log.repository.js';

const VERSION = 'v1';
const POSITION = /^(0|[1-9]\d{0,18})$/;

/**
 * `/sync` cursors: opaque to clients, inside `v1:<epoch>:<position>` in base64url. The position is the
 * event log's commit-ordered position of the last event the client has; the epoch ties the cursor to this
 * event log, so a cursor from elsewhere is "unknown" instead of being misread.
 */
@Injectable()
export class SyncCursors implements OnApplicationBootstrap {
  private epoch = '';

  constructor(private readonly log: EventLogRepository) {}

  async onApplicationBootstrap() {
    this.epoch = (await this.log.epoch()).replaceAll('-', '');
  }

  encode(position: string | bigint): string {
    return Buffer.from(`${VERSION}:${this.epoch}:${position}`).toString('base64url');
  }

  /** The position a cursor stands for; null when it is malformed or from another event log. */
  decode(cursor: string): bigint | null {
    const [version, epoch, position, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
    if (rest.length || version !== VERSION || epoch !== this.epoch || !POSITION.test(position ?? '')) return null;
    const value = BigInt(position);
    // Round-trips only if the text was canonical base64url of exactly that.
    return this.encode(value) === cursor ? value : null;
  }
}
