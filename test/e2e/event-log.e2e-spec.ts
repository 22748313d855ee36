import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { EVENTS_SEQUENCED, type SequencedEvent } from '../../src/events/chat-events.js';
import { EventLog } from '../../src/events/event-log.service.js';
import { useTestApp } from '../support/use-test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event log', () => {
  const app = useTestApp();
  let dataSource: DataSource;
  let log: EventLog;

  beforeAll(async () => {
    dataSource = app.running.app.get(DataSource);
    log = app.running.app.get(EventLog);
  });

  /** A writer that keeps its transaction open for a while, so commits land out of insert order. */
  async function write(userId: string, n: number) {
    await dataSource.transaction(async (manager) => {
      await log.append(manager, { type: 'receipt', userId, data: { n } });
      await sleep(Math.random() * 25);
    });
    log.kick();
  }

  it('lets a reader polling by position collect every event exactly once while writers race', async () => {
    const userId = randomUUID();
    const writers = 30;
    let cursor = '0';
    const seen: number[] = [];
    let writing = true;
    const read = async () => {
      const rows: Array<{ position: string; data: { n: number } }> = await dataSource.query(
        `SELECT position, data FROM chat_event WHERE user_id = $1 AND position > $2 ORDER BY position`,
        [userId, cursor],
      );
      for (const row of rows) seen.push(row.data.n);
      if (rows.length) cursor = rows[rows.length - 1].position;
    };
    const reader = (async () => {
      while (writing) {
        await read();
        await sleep(2);
      }
    })();

    await Promise.all(Array.from({ length: writers }, (_, n) => sleep(Math.random() * 20).then(() => write(userId, n))));
    await log.flush();
    writing = false;
    await reader;
    await read();

    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: writers }, (_, n) => n));
  });

  it('announces sequenced batches in position order', async () => {
    const userId = randomUUID();
    const announced: SequencedEvent[] = [];
    const listener = (batch: SequencedEvent[]) => announced.push(...batch.filter((event) => event.userId === userId));
    const emitter = app.running.app.get(EventEmitter2);
    emitter.on(EVENTS_SEQUENCED, listener);
    try {
      await Promise.all(Array.from({ length: 10 }, (_, n) => write(userId, n)));
      await log.flush();
    } finally {
      emitter.off(EVENTS_SEQUENCED, listener);
    }
    expect(announced).toHaveLength(10);
    const positions = announced.map((event) => BigInt(event.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(announced[0]).toMatchObject({ type: 'receipt', userId, conversationId: null });
  });

  it('writes nothing when the transaction rolls back', async () => {
    const userId = randomUUID();
    await expect(
      dataSource.transaction(async (manager) => {
        await log.append(manager, { type: 'receipt', userId, data: {} });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await log.flush();
    expect(await dataSource.query(`SELECT 1 FROM chat_event WHERE user_id = $1`, [userId])).toHaveLength(0);
  });
});
