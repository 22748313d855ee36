import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { builders, type GivenUser } from '../support/given.js';
import {
  assertProperty,
  FUZZ_RUNS,
  hostileValue,
  type IdSource,
  POLLUTION_KEYS,
  PRIVILEGED_KEYS,
  valueForSchema,
  wideObject,
  withNulInside,
  withOwnKey,
} from '../support/fuzz.js';
import type { Schema } from '../support/openapi-responses.js';
import { AsyncApiChecker, socketFactory, type TestSocket } from '../support/sockets.js';
import { startTestApp } from '../support/test-app.js';
import { makeCast, makeWorld, type World } from '../support/world.js';

/*
 * Property-based fuzzing of every client → server Socket.IO event of the AsyncAPI document: payloads
 * made from the documented schemas, then broken (wrong types, missing or extra keys, prototype-polluting
 * keys, big strings, binary), non-objects, no payload, extra arguments, no acknowledgement callback —
 * from a member of the world's conversations and from someone in none of them. Every acknowledgement is
 * `{ ok: true, … }` or `{ ok: false, error: { code, message } }` with a documented code (never INTERNAL),
 * as the AsyncAPI document describes it; and the server keeps serving everyone afterwards.
 */

/** The codes README's realtime section lists for acknowledgements; INTERNAL would be a server fault. */
const KNOWN_CODES = ['VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'BLOCKED', 'RATE_LIMITED', 'UNAUTHORIZED', 'ROOM_LIMIT', 'SERVICE_UNAVAILABLE'];
/** Below the 64 KiB frame limit, which closes the connection (proven in realtime-gateway.e2e-spec.ts). */
const BIG = 48 * 1024;
/** Under the per-socket budget (bursts of 30), so the fuzz mostly reaches the handlers. */
const EMITS_PER_SOCKET = 25;

type Identity = 'member' | 'nonMember';
type Emission = 'ack' | 'ack with extra arguments' | 'ack without payload' | 'no ack';

interface FuzzEmit {
  identity: Identity;
  emission: Emission;
  payload: unknown;
}

interface AsyncApiDocument {
  components: { messages: Record<string, { payload: Schema; 'x-ack'?: Schema }>; schemas: Record<string, Schema> };
}

const running = await startTestApp({}, { listen: true });
const asyncApi = (await running.app.inject({ method: 'GET', url: '/docs/asyncapi.json' })).json() as AsyncApiDocument;
const clientEvents = Object.entries(asyncApi.components.messages)
  .filter(([, message]) => message['x-ack'])
  .map(([event]) => event);
const checker = new AsyncApiChecker(asyncApi as unknown as ConstructorParameters<typeof AsyncApiChecker>[0]);
const sockets = socketFactory(() => checker);

afterAll(async () => {
  sockets.closeAll();
  await running.close();
});

function ids(world: World): IdSource {
  const byName: Record<string, string[]> = {
    conversationId: [world.group.id, world.direct.id],
    clientMessageId: [world.ownerMessage.clientMessageId],
    replyToId: [world.ownerMessage.id, world.memberMessage.id],
    attachmentIds: [world.media.id],
  };
  return { idsFor: (name) => byName[name] ?? [] };
}

function payloadArbitrary(schema: Schema, world: World, tokens: string[]): fc.Arbitrary<unknown> {
  const plausible = valueForSchema(schema, asyncApi.components.schemas, ids(world));
  const asObject = plausible.map((value) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}));
  const names = Object.keys((resolve(schema).properties as Schema | undefined) ?? {});
  // BIG bytes once encoded (an emoji is 4 bytes of UTF-8, a NUL 6 of JSON).
  const bigString = fc.constantFrom('x'.repeat(BIG), '👍'.repeat(BIG / 4), 'a\u0000'.repeat(BIG / 7));
  const wrong = fc.oneof({ arbitrary: hostileValue(), weight: 5 }, { arbitrary: bigString, weight: 1 });
  return fc.oneof(
    { arbitrary: plausible, weight: 4 },
    { arbitrary: names.includes('token') ? fc.constantFrom(...tokens).map((token) => ({ token })) : plausible, weight: 1 },
    { arbitrary: fc.tuple(asObject, fc.constantFrom(...names, 'x'), wrong).map(([body, key, value]) => ({ ...body, [key]: value })), weight: 4 },
    { arbitrary: fc.tuple(asObject, fc.constantFrom(...names, 'x'), withNulInside()).map(([body, key, value]) => ({ ...body, [key]: value })), weight: 2 },
    { arbitrary: asObject.map((body) => ({ ...wideObject(1_500), ...body })), weight: 1 },
    {
      arbitrary: fc
        .tuple(asObject, fc.constantFrom(...POLLUTION_KEYS, ...PRIVILEGED_KEYS), hostileValue())
        .map(([body, key, value]) => withOwnKey(body, key, value)),
      weight: 2,
    },
    { arbitrary: wrong, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
    { arbitrary: fc.tuple(asObject, fc.uint8Array({ maxLength: 64 })).map(([body, bytes]) => ({ ...body, conversationId: Buffer.from(bytes) })), weight: 1 },
  );
}

function resolve(schema: Schema): Schema {
  return typeof schema.$ref === 'string' ? asyncApi.components.schemas[schema.$ref.split('/').pop()!] : schema;
}

const emission = fc.constantFrom<Emission>('ack', 'ack', 'ack', 'ack', 'ack with extra arguments', 'ack without payload', 'no ack');

/** Sockets per identity, replaced every EMITS_PER_SOCKET emits or when one was closed. */
function socketPool(url: string, users: Record<Identity, GivenUser>) {
  const current = new Map<Identity, { socket: TestSocket; emits: number }>();
  return async (identity: Identity): Promise<TestSocket> => {
    let entry = current.get(identity);
    if (!entry || entry.emits >= EMITS_PER_SOCKET || !entry.socket.socket.connected) {
      entry?.socket.close();
      entry = { socket: await sockets.connect(url, users[identity].accessToken), emits: 0 };
      current.set(identity, entry);
    }
    entry.emits++;
    return entry.socket;
  };
}

async function emit(socket: TestSocket, event: string, { emission: how, payload }: FuzzEmit): Promise<unknown> {
  const withTimeout = socket.socket.timeout(5_000);
  if (how === 'no ack') {
    socket.socket.emit(event, payload);
    return undefined;
  }
  if (how === 'ack without payload') return withTimeout.emitWithAck(event);
  if (how === 'ack with extra arguments') return withTimeout.emitWithAck(event, payload, 'an extra argument', 42);
  return withTimeout.emitWithAck(event, payload);
}

function ackProblems(event: string, ack: unknown): string[] {
  const problems: string[] = [];
  const violationsBefore = checker.violations.length;
  checker.checkAck(event, ack);
  problems.push(...checker.violations.slice(violationsBefore));
  const failure = ack as { ok?: boolean; error?: { code?: string } };
  if (failure?.ok === false && !KNOWN_CODES.includes(String(failure.error?.code))) problems.push(`unknown or server-fault code ${String(failure.error?.code)}`);
  return problems;
}

describe(`fuzzing every client → server socket event of the AsyncAPI document (${FUZZ_RUNS} cases each)`, () => {
  let world: World;
  let tokens: string[];
  let socketFor: (identity: Identity) => Promise<TestSocket>;

  beforeAll(async () => {
    world = await makeWorld(running, await makeCast(running));
    const member = await builders(running).anotherSession(world.owner);
    // auth.renew gets the caller's own tokens, another user's, a refresh token, and garbage.
    tokens = [member.accessToken, world.owner.accessToken, world.nonMember.accessToken, member.refreshToken, 'not-a-token'];
    socketFor = socketPool(running.url, { member, nonMember: world.nonMember });
  });

  it('finds client events to fuzz in the document', () => {
    expect(clientEvents).toEqual(expect.arrayContaining(['message.send', 'conversation.join', 'conversation.read', 'auth.renew']));
  });

  it.each(clientEvents)(
    '%s: every acknowledgement as documented, with a known code',
    async (event) => {
      const schema = asyncApi.components.messages[event].payload;
      const arbitrary = fc.record({
        identity: fc.constantFrom<Identity>('member', 'member', 'member', 'nonMember'),
        emission,
        payload: payloadArbitrary(schema, world, tokens),
      });
      await assertProperty(`socket ${event}`, arbitrary, async (request) => {
        const socket = await socketFor(request.identity);
        const ack = await emit(socket, event, request);
        if (request.emission === 'no ack') return;
        const problems = ackProblems(event, ack);
        if (problems.length) {
          const shown = JSON.stringify(request.payload)?.slice(0, 300);
          throw new Error(
            `${event} (${request.emission}) as ${request.identity} with ${shown}\n→ ${JSON.stringify(ack).slice(0, 300)}\n${problems.join('\n')}`,
          );
        }
      });
    },
    Math.max(60_000, FUZZ_RUNS * 1_000),
  );

  it('keeps serving afterwards: the process is live, a new connection works, nothing was polluted', async () => {
    expect((await running.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const fresh = await sockets.connect(running.url, world.member.accessToken);
    expect(await fresh.request('conversation.join', { conversationId: world.group.id })).toEqual({ ok: true });
    const sent = await fresh.request('message.send', { conversationId: world.group.id, clientMessageId: randomUUID(), content: 'still here' });
    expect(sent).toMatchObject({ ok: true, data: { content: 'still here' } });
    expect([({} as Record<string, unknown>).polluted, Object.keys(Object.prototype)]).toEqual([undefined, []]);
    expect(checker.violations).toEqual([]);
  });
});
