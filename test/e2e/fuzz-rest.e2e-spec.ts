import * as fc from 'fast-check';
import { builders, type GivenUser } from '../support/given.js';
import {
  assertProperty,
  anyString,
  forgedCursor,
  FUZZ_RUNS,
  hostileBody,
  hostileValue,
  type IdSource,
  withNulInside,
  POLLUTION_KEYS,
  PRIVILEGED_KEYS,
  RawJson,
  toJson,
  valueForSchema,
} from '../support/fuzz.js';
import { image } from '../support/media-samples.js';
import { multipartForm, type FormPart } from '../support/multipart.js';
import { type DocumentedOperation, loadOpenApi, openApiResponses, type OpenApiParameter, operationsOf, type Schema } from '../support/openapi-responses.js';
import { invariantProblems } from '../support/response-invariants.js';
import { startTestApp } from '../support/test-app.js';
import { type Cast, makeCast, makeWorld, sessionIdOf, type World } from '../support/world.js';

/*
 * Property-based fuzzing of every operation in the app's own OpenAPI document: path parameters (ids of
 * real things the caller can see, random uuids, garbage), query parameters and bodies made from the
 * documented schemas, then broken — wrong types, huge numbers, -0, 1 MB strings, any Unicode, NUL bytes,
 * prototype-polluting and privileged keys, bodies that are not JSON — sent as a member of the world's
 * conversations, anonymously, with a forged token, or as a global admin. Whatever arrives, the answer is
 * never a 5xx, never leaks a stack or SQL, every error is the contract's envelope, and status and body
 * are what the document says.
 */

type Identity = 'member' | 'anonymous' | 'forged' | 'admin';

interface FuzzRequest {
  identity: Identity;
  forgedAuthorization: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: { payload: string | Buffer; contentType?: string };
}

const running = await startTestApp({ MEDIA_DIR: `${process.env.TMPDIR ?? '/tmp'}/chat-fuzz-media` });
const document = await loadOpenApi(running);
const operations = operationsOf(document);
const schemas = document.components.schemas;

afterAll(async () => {
  await running.close();
});

/** Routes that change a user for good (blocks, bans, roles): they get the operation's own target user. */
const CHANGES_A_USER = /^\/api\/v1\/(?:users\/\{id\}\/block|admin\/users\/\{id\})$/;

/** Ids a parameter or field of this operation may take from the world. */
function idSource(operation: DocumentedOperation, world: World, own: { otherSessionId: string; target: GivenUser }): IdSource {
  const users = [world.owner.id, world.member.id, world.bystander.id, world.nonMember.id, world.globalAdmin.id];
  const conversations = [world.group.id, world.direct.id];
  const messages = [world.ownerMessage.id, world.memberMessage.id];
  const byRoute = (): string[] => {
    if (CHANGES_A_USER.test(operation.route)) return [own.target.id];
    if (operation.route.startsWith('/api/v1/users/')) return users;
    if (operation.route.startsWith('/api/v1/conversations/')) return conversations;
    if (operation.route.startsWith('/api/v1/media/')) return [world.media.id];
    if (operation.route.startsWith('/api/v1/admin/messages/')) return messages;
    if (operation.route.startsWith('/api/v1/auth/sessions/')) return [own.otherSessionId];
    return [];
  };
  const byName: Record<string, () => string[]> = {
    id: byRoute,
    userId: () => users,
    userIds: () => users,
    memberIds: () => users,
    conversationId: () => conversations,
    messageId: () => messages,
    replyToId: () => messages,
    attachmentIds: () => [world.media.id],
    avatarMediaId: () => [world.media.id],
    clientMessageId: () => [world.ownerMessage.clientMessageId],
  };
  return { idsFor: (name) => byName[name]?.() ?? [] };
}

/** Percent-encodes any string, lone surrogates included (as U+FFFD, the way a client's UTF-8 would). */
function encodeSegment(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

const asText = (value: unknown) => (typeof value === 'string' ? value : value instanceof RawJson ? value.text : toJson(value));

function pathParameter(parameter: OpenApiParameter, ids: IdSource): fc.Arbitrary<string> {
  const known = parameter.name === 'emoji' ? ['👍', '👍🏽', ':party_parrot:', '🇯🇵'] : ids.idsFor(parameter.name);
  return fc.oneof(
    { arbitrary: known.length ? fc.constantFrom(...known).map(encodeSegment) : fc.uuid(), weight: 4 },
    { arbitrary: fc.uuid(), weight: 2 },
    // Not empty, `.` or `..`: URLs resolve those to another path, so they are no value of this parameter.
    {
      arbitrary: fc
        .oneof(anyString(120), hostileValue().map(asText))
        .filter((text) => !/^\.{0,2}$/.test(text))
        .map((text) => encodeSegment(text.slice(0, 2_000))),
      weight: 3,
    },
    // Raw, as a hostile client can put them on the wire: broken escapes, overlong UTF-8, encoded slashes.
    { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%C0%AF', '%FF', 'a%2Fb', '%252F', '*', '%u2215'), weight: 1 },
  );
}

function queryString(parameters: OpenApiParameter[], ids: IdSource): fc.Arbitrary<string> {
  const valueOf = (parameter: OpenApiParameter) =>
    fc.oneof(
      { arbitrary: valueForSchema(parameter.schema, schemas, ids, parameter.name).map(asText), weight: 3 },
      { arbitrary: hostileValue().map((value) => asText(value).slice(0, 4_096)), weight: 3 },
      { arbitrary: fc.constant(''), weight: 1 },
      { arbitrary: withNulInside(), weight: 1 },
      // Cursors forged to carry what the database can't read (a bad timestamp, a NUL, a non-uuid).
      { arbitrary: ['cursor', 'since'].includes(parameter.name) ? forgedCursor() : fc.constant(''), weight: 2 },
    );
  const pairs = parameters.map((parameter) =>
    fc
      .tuple(fc.integer({ min: 0, max: 9 }), fc.array(valueOf(parameter), { minLength: 1, maxLength: 2 }))
      // Mostly present (required ones nearly always); sometimes repeated, which a parser makes an array.
      .map(([dice, values]) => (dice < (parameter.required ? 9 : 6) ? values.map((value) => [parameter.name, value] as const) : [])),
  );
  const extra = fc.option(
    fc.tuple(fc.constantFrom(...POLLUTION_KEYS, ...PRIVILEGED_KEYS, '__proto__[polluted]', 'constructor.prototype.polluted'), anyString(16)),
    { freq: 5 },
  );
  return fc.tuple(fc.tuple(...pairs), extra).map(([groups, unknown]) => {
    const all = [...groups.flat(), ...(unknown ? [unknown] : [])];
    return all.length ? `?${all.map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(value)}`).join('&')}` : '';
  });
}

/** Header values a client could put on the wire: visible ASCII. */
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((text) => text.replace(/[^\x20-\x7e]/g, ''));

function headerParameters(parameters: OpenApiParameter[]): fc.Arbitrary<Record<string, string>> {
  const tricky = fc.constantFrom(
    'bytes=0-0',
    'bytes=-0',
    'bytes=0-',
    'bytes=5-1',
    'bytes=-99999999999999999999',
    'bytes=0-1,2-3',
    'bytes=999999999999-',
    'bytes=1e3-',
    'items=0-1',
    '"etag"',
    '*',
    'W/"x"',
  );
  const model = Object.fromEntries(parameters.map((parameter) => [parameter.name, fc.oneof(tricky, headerText)]));
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
}

/** Raw bodies that are not the JSON they claim to be. */
const brokenJson = fc.constantFrom(
  '{',
  '{"a":',
  '[',
  'nul',
  '\u0000',
  '{"a":1}{"b":2}',
  "{'a':1}",
  '{"a":1,}',
  '\uFEFF{}',
  '{"__proto__":{"polluted":"yes"}}',
  '"just a string"',
  '12',
);

function jsonBody(schema: Schema | undefined, ids: IdSource): fc.Arbitrary<FuzzRequest['body']> {
  const contentType = fc.constantFrom(
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    '',
  );
  return fc.oneof(
    {
      arbitrary: fc.tuple(hostileBody(schema, schemas, ids), contentType).map(([value, type]) => ({ payload: toJson(value), contentType: type || undefined })),
      weight: 8,
    },
    { arbitrary: brokenJson.map((payload) => ({ payload, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

function multipartBody(png: Buffer): fc.Arbitrary<FuzzRequest['body']> {
  const filename = fc.oneof(
    fc.constantFrom('photo.png', '../../../etc/passwd', 'a\u0000.png', '..', '', 'x'.repeat(1_000), '👍.png', 'con.png'),
    anyString(40),
  );
  const content = fc.oneof(
    fc.constant(png),
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(Buffer.from('<svg onload="alert(1)"/>')),
  );
  const part: fc.Arbitrary<FormPart> = fc.record({
    name: fc.oneof(
      fc.constant('file'),
      fc.constant('file'),
      anyString(20).map((text) => text.replace(/["\r\n]/g, '')),
    ),
    filename: fc.option(
      filename.map((text) => text.replace(/["\r\n]/g, '')),
      { nil: undefined, freq: 5 },
    ),
    contentType: fc.option(fc.constantFrom('image/png', 'text/html', 'application/x-msdownload', 'image/svg+xml', ''), { nil: undefined }),
    content,
  });
  return fc.oneof(
    { arbitrary: fc.array(part, { minLength: 0, maxLength: 3 }).map((parts) => multipart(parts)), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        { payload: '--nope\r\n\r\n', contentType: 'multipart/form-data; boundary=other' },
        { payload: 'not multipart at all', contentType: 'multipart/form-data' },
        { payload: '{"file":"x"}', contentType: 'application/json' },
        { payload: '--b\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\n\r\ntruncated', contentType: 'multipart/form-data; boundary=b' },
      ),
      weight: 2,
    },
  );
}

function multipart(parts: FormPart[]) {
  const form = multipartForm(parts);
  return { payload: form.payload, contentType: form.headers['content-type'] };
}

const forgedAuthorization = fc.oneof(
  headerText.map((text) => `Bearer ${text}`),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer x.y.z',
    'Basic YWRhOnB3',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'Bearer a.b.c.d',
    `Bearer ${'a'.repeat(8_000)}`,
  ),
);

function requestArbitrary(operation: DocumentedOperation, ids: IdSource, png: Buffer): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const path = fc
    .tuple(...pathParameters.map((parameter) => pathParameter(parameter, ids)))
    .map((values) => pathParameters.reduce((route, parameter, index) => route.replace(`{${parameter.name}}`, values[index]), operation.route));
  const query = queryString(
    parameters.filter((parameter) => parameter.in === 'query'),
    ids,
  );
  const headers = headerParameters(parameters.filter((parameter) => parameter.in === 'header'));
  const content = operation.operation.requestBody?.content ?? {};
  const body = content['multipart/form-data']
    ? multipartBody(png)
    : content['application/json']
      ? jsonBody(content['application/json'].schema, ids)
      : fc.option(jsonBody(undefined, ids), { nil: undefined, freq: 4 }).map((value) => value ?? undefined);
  const admin = operation.route.startsWith('/api/v1/admin/');
  const identity = fc.oneof(
    { arbitrary: fc.constant<Identity>('member'), weight: admin ? 1 : 6 },
    { arbitrary: fc.constant<Identity>('anonymous'), weight: 1 },
    { arbitrary: fc.constant<Identity>('forged'), weight: 1 },
    { arbitrary: fc.constant<Identity>('admin'), weight: admin ? 6 : 1 },
  );
  return fc.record({ identity, forgedAuthorization, path, query, headers, body });
}

function authorizationOf(request: FuzzRequest, callers: { member: GivenUser; admin: GivenUser }): Record<string, string> {
  if (request.identity === 'member') return callers.member.auth;
  if (request.identity === 'admin') return callers.admin.auth;
  if (request.identity === 'forged') return { authorization: request.forgedAuthorization };
  return {};
}

function describeRequest(operation: DocumentedOperation, request: FuzzRequest): string {
  const body = request.body
    ? Buffer.isBuffer(request.body.payload)
      ? `<${request.body.payload.length} bytes>`
      : request.body.payload.slice(0, 300)
    : '(none)';
  return `${operation.method} ${(request.path + request.query).slice(0, 400)} as ${request.identity}; content-type ${request.body?.contentType ?? '(none)'}; body ${body}`;
}

/** The process must not have been talked into changing Object.prototype. */
function expectNoPrototypePollution() {
  const probe = {} as Record<string, unknown>;
  expect([probe.polluted, Object.keys(Object.prototype)]).toEqual([undefined, []]);
}

describe(`fuzzing every REST operation of the OpenAPI document (${FUZZ_RUNS} cases each)`, () => {
  let cast: Cast;
  let png: Buffer;

  beforeAll(async () => {
    cast = await makeCast(running);
    png = await image.png(16, 16);
  });

  it('finds operations to fuzz in the document', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it.each(operations.map((operation) => [`${operation.method} ${operation.route}`, operation] as const))(
    '%s: never a 5xx, always the envelope, always as documented',
    async (name, operation) => {
      // A group of its own per operation, so one that deletes or removes spoils nothing else; sessions
      // of its own, so a sign-out does neither; a user of its own to block, ban or promote.
      const world = await makeWorld(running, cast);
      const given = builders(running);
      const [member, otherSession, target] = await Promise.all([given.anotherSession(world.owner), given.anotherSession(world.owner), given.user()]);
      const ids = idSource(operation, world, { otherSessionId: sessionIdOf(otherSession), target });
      const checker = openApiResponses(document);

      await assertProperty(name, requestArbitrary(operation, ids, png), async (request) => {
        const response = await running.app.inject({
          method: operation.method,
          url: request.path + request.query,
          headers: {
            ...authorizationOf(request, { member, admin: world.globalAdmin }),
            ...request.headers,
            ...(request.body?.contentType ? { 'content-type': request.body.contentType } : {}),
          },
          ...(request.body ? { payload: request.body.payload } : {}),
        });
        const problems = [...invariantProblems(response), ...checker.problems(operation.method, operation.route, response)];
        if (problems.length) throw new Error(`${describeRequest(operation, request)}\n→ ${response.statusCode}\n${problems.join('\n')}`);
      });

      expect((await running.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expectNoPrototypePollution();
    },
    Math.max(60_000, FUZZ_RUNS * 1_000),
  );
});
