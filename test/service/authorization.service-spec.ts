import { DataSource } from 'typeorm';
import { AccessService } from '../../src/access/access.service.js';
import { PERMISSION_RULES, Permission } from '../../src/access/permission.js';
import { AppException } from '../../src/common/errors/app.exception.js';
import { useTestApp } from '../support/use-test-app.js';
import {
  BLOCK_STATES,
  type BlockState,
  makeServiceWorld,
  type Outcome,
  ROLES,
  SERVICE_AUTHORIZATION_TABLE,
  type ServiceWorld,
} from './support/authorization-table.js';
import { serviceGiven } from './support/service-given.js';

/** Thrown to roll a cell's transaction back: a check may lock rows, and must change nothing. */
class Rollback extends Error {}

/*
 * Every Permission × caller × block state, decided by AccessService on the real database, from the one
 * table in ./support/authorization-table.ts. A permission without rows fails the suite.
 */
describe('the service-tier authorization table', () => {
  const app = useTestApp();
  const worlds = new Map<BlockState, ServiceWorld>();

  beforeAll(async () => {
    const given = serviceGiven(app.running);
    for (const block of BLOCK_STATES) worlds.set(block, await makeServiceWorld(given, block));
  });

  it('has rows for every permission, and every permission of the rows exists', () => {
    const covered = new Set(SERVICE_AUTHORIZATION_TABLE.map((row) => row.permission));
    expect(Object.values(Permission).filter((permission) => !covered.has(permission))).toEqual([]);
    expect([...covered].filter((permission) => !(permission in PERMISSION_RULES))).toEqual([]);
  });

  async function outcomeOf(row: (typeof SERVICE_AUTHORIZATION_TABLE)[number], world: ServiceWorld, role: (typeof ROLES)[number]): Promise<Outcome> {
    const caller = world.callers[role];
    const access = app.running.app.get(AccessService);
    try {
      await app.running.app.get(DataSource).transaction(async (manager) => {
        await access.require(caller, row.permission, row.target(world, caller) as never, { manager });
        throw new Rollback();
      });
    } catch (error) {
      if (error instanceof Rollback) return 'ok';
      if (error instanceof AppException) return error.code as Outcome;
      throw error;
    }
    throw new Error('unreachable');
  }

  describe.each(SERVICE_AUTHORIZATION_TABLE.map((row) => [`${row.permission} (${row.case})`, row] as const))('%s', (_name, row) => {
    const cells = ROLES.flatMap((role) => BLOCK_STATES.map((block) => [role, block, row.expect[role][block]] as const)).filter(
      ([, , outcome]) => outcome !== 'n/a',
    );
    it.each(cells)('%s, block: %s → %s', async (role, block, outcome) => {
      expect(await outcomeOf(row, worlds.get(block)!, role)).toBe(outcome);
    });
  });
});
