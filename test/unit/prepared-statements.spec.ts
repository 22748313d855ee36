import type { EntityManager } from 'typeorm';
import { selectPrepared } from '../../src/database/sql.js';

/** What `selectPrepared` hands node-postgres (on the transaction's connection), recorded. */
function recordingManager() {
  const sent: Array<{ config: unknown; parameters: unknown[] }> = [];
  const client = {
    query: (config: unknown, parameters: unknown[]) => {
      sent.push({ config, parameters });
      return Promise.resolve({ rows: [], rowCount: 0 });
    },
  };
  const manager = { queryRunner: { isReleased: false, connect: () => Promise.resolve(client) } } as unknown as EntityManager;
  return { manager, sent };
}

describe('prepared statements', () => {
  it('names each distinct text once, so two texts never share a name (node-postgres refuses that)', async () => {
    const { manager, sent } = recordingManager();
    await selectPrepared(manager, 'page', 'SELECT 1 WHERE $1::int > 0', [1]);
    await selectPrepared(manager, 'page', 'SELECT 2 WHERE $1::int > 0', [2]);
    await selectPrepared(manager, 'page', 'SELECT 1 WHERE $1::int > 0', [3]);
    const names = sent.map(({ config }) => (config as { name: string }).name);
    expect(names[0]).toBe(names[2]);
    expect(names[0]).not.toBe(names[1]);
    expect(names.every((name) => name.startsWith('page_'))).toBe(true);
    expect(sent.map(({ parameters }) => parameters)).toEqual([[1], [2], [3]]);
  });

  it('runs unnamed once there are too many texts: a text built per call must not fill every connection', async () => {
    const { manager, sent } = recordingManager();
    for (let n = 0; n < 250; n++) await selectPrepared(manager, 'built', `SELECT ${n}`, []);
    expect(sent.filter(({ config }) => typeof config === 'object').length).toBeLessThanOrEqual(200);
    expect(sent.filter(({ config }) => typeof config === 'string').length).toBeGreaterThanOrEqual(50);
  });
});
