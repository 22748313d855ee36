import { AUTHORIZATION_TABLE, type AuthorizationRow, type Caller, CALLERS } from '../support/authorization-table.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders, type GivenUser } from '../support/given.js';
import { image } from '../support/media-samples.js';
import { expectResponseMatchesOpenApi, loadOpenApi, type OpenApiDocument, operationsOf } from '../support/openapi-responses.js';
import { invariantProblems } from '../support/response-invariants.js';
import { startTestApp } from '../support/test-app.js';
import { type Cast, makeCast, makeWorld, type World } from '../support/world.js';

/*
 * Every route × every kind of caller, from the one table in test/support/authorization-table.ts: each
 * cell is one request with the expected status, its response checked against the OpenAPI document and
 * the error envelope. A route in the document without a row fails the suite.
 */

const running = await startTestApp({ MEDIA_DIR: `${process.env.TMPDIR ?? '/tmp'}/chat-matrix-media` });
const document: OpenApiDocument = await loadOpenApi(running);

afterAll(async () => {
  await running.close();
});

const key = (method: string, route: string) => `${method.toUpperCase()} ${route}`;

describe('authorization matrix', () => {
  const given = builders(running);
  const chat = chatBuilders(running);
  let cast: Cast;
  let shared: World;
  let png: Buffer;

  beforeAll(async () => {
    png = await image.png(24, 16);
    cast = await makeCast(running);
    shared = await makeWorld(running, cast);
  });

  it('has a row for every operation of the OpenAPI document, and no row for a route that is gone', () => {
    const documented = operationsOf(document).map((operation) => key(operation.method, operation.route));
    const rows = AUTHORIZATION_TABLE.map((row) => key(row.method, row.route));
    expect(documented.filter((operation) => !rows.includes(operation))).toEqual([]);
    const undocumented = new Set(AUTHORIZATION_TABLE.filter((row) => row.undocumented).map((row) => key(row.method, row.route)));
    expect(rows.filter((row) => !undocumented.has(row) && !documented.includes(row))).toEqual([]);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('checks answers against the document strictly: an undocumented status, field or type does not pass', async () => {
    const me = await running.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: shared.member.auth });
    const body = me.json() as Record<string, unknown>;
    const as = (statusCode: number, changed: object) => ({ ...me, statusCode, body: JSON.stringify({ ...body, ...changed }) });
    expect(() => expectResponseMatchesOpenApi(document, 'GET', '/api/v1/users/me', me)).not.toThrow();
    expect(() => expectResponseMatchesOpenApi(document, 'GET', '/api/v1/users/me', as(200, { passwordHash: 'x' }))).toThrow(/additional propert/);
    expect(() => expectResponseMatchesOpenApi(document, 'GET', '/api/v1/users/me', as(200, { createdAt: 12 }))).toThrow(/createdAt/);
    expect(() => expectResponseMatchesOpenApi(document, 'GET', '/api/v1/users/me', as(418, {}))).toThrow(/status not documented/);
  });

  const worldFor = (row: AuthorizationRow): Promise<World> | World => (row.fresh === 'world' ? makeWorld(running, cast) : shared);

  async function callerIn(world: World, row: AuthorizationRow, caller: Caller): Promise<GivenUser | null> {
    if (caller === 'anonymous') return null;
    if (row.fresh === 'user') return given.user({ role: caller === 'globalAdmin' ? 'admin' : 'user' });
    return row.fresh === 'session' ? given.anotherSession(world[caller]) : world[caller];
  }

  describe.each(AUTHORIZATION_TABLE.map((row) => [key(row.method, row.route), row] as const))('%s', (_name, row) => {
    it.each(CALLERS.map((caller) => [caller, row.expect[caller]] as const))('%s → %i', async (caller, status) => {
      const world = await worldFor(row);
      const user = await callerIn(world, row, caller);
      const request = await row.request({ world, caller: user, given, chat, png });
      const response = await running.app.inject({
        method: row.method,
        url: request.url,
        headers: { ...(user?.auth ?? {}), ...(request.headers ?? {}) },
        ...(request.payload === undefined ? {} : { payload: request.payload as object }),
      });

      expect([response.statusCode, response.statusCode === status ? '' : response.body]).toEqual([status, '']);
      expect(invariantProblems(response)).toEqual([]);
      if (!row.undocumented) expectResponseMatchesOpenApi(document, row.method, row.route, response);
    });
  });
});
