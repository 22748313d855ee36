import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AUTHORIZATION_TABLE, type Caller } from '../support/authorization-table.js';
import { chatBuilders } from '../support/given-chat.js';
import { builders } from '../support/given.js';
import { image } from '../support/media-samples.js';
import { multipartForm } from '../support/multipart.js';
import { type DocumentedOperation, expectResponseMatchesOpenApi, loadOpenApi, operationsOf, type Schema } from '../support/openapi-responses.js';
import { invariantProblems } from '../support/response-invariants.js';
import { startTestApp } from '../support/test-app.js';
import { type Cast, makeCast, makeWorld, type World } from '../support/world.js';

/*
 * Mass assignment: a client adding fields it must never set (`role`, `id`, `userId`, `senderId`, `seq`,
 * `banned`, `uploaderId`) to any JSON body of the document is refused with 400 naming the field, and
 * nothing changes. Each body is the authorization table's own request for that route, sent by a caller
 * the table lets make it, so without the extra field it is accepted.
 */

const PRIVILEGED = ['role', 'id', 'userId', 'senderId', 'seq', 'banned', 'uploaderId'];
/** Whom to send each body as: the first of these the matrix lets make the request. */
const SENDERS: Caller[] = ['owner', 'globalAdmin', 'anonymous'];

const running = await startTestApp({ MEDIA_DIR: `${process.env.TMPDIR ?? '/tmp'}/chat-mass-assignment-media` });
const document = await loadOpenApi(running);
/**
 * Bodies that declare fields. A free-form object (custom metadata: any key matching its pattern is the
 * caller's own data) has none to stray from; metadata.e2e-spec.ts checks such keys change nothing else.
 */
const isFreeForm = (operation: DocumentedOperation) => {
  const schema = operation.operation.requestBody?.content['application/json']?.schema ?? {};
  return schema.additionalProperties === true && !schema.properties;
};
const withJsonBodies = operationsOf(document).filter((operation) => operation.operation.requestBody?.content['application/json'] && !isFreeForm(operation));

afterAll(async () => {
  await running.close();
});

const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;

/** The fields an operation's body declares (of every alternative, for a `oneOf`). */
function declaredFields(operation: DocumentedOperation): string[] {
  const schema = operation.operation.requestBody?.content['application/json']?.schema ?? {};
  const resolve = (item: Schema): Schema => (typeof item.$ref === 'string' ? document.components.schemas[item.$ref.split('/').pop()!] : item);
  const alternatives = ((schema.oneOf as Schema[] | undefined) ?? [schema]).map(resolve);
  return alternatives.flatMap((alternative) => Object.keys((alternative.properties as Schema | undefined) ?? {}));
}

/** Everything a stray field could change, straight from the database. */
async function snapshot(world: World): Promise<unknown> {
  const database = running.app.get(DataSource);
  const people = [world.owner.id, world.conversationAdmin.id, world.member.id, world.bystander.id, world.nonMember.id, world.globalAdmin.id];
  const [users, members, messages, media, sessions, conversation] = await Promise.all([
    database.query(
      'SELECT id, email, username, display_name, status_text, avatar_media_id, password_hash, role, banned FROM users WHERE id = ANY($1) ORDER BY id',
      [people],
    ),
    database.query('SELECT user_id, role, last_read_seq, last_delivered_seq FROM conversation_member WHERE conversation_id = $1 ORDER BY user_id', [
      world.group.id,
    ]),
    database.query('SELECT id, seq, sender_id, content, edited_at, deleted_at FROM message WHERE conversation_id = $1 ORDER BY seq', [world.group.id]),
    database.query('SELECT id, uploader_id FROM media WHERE uploader_id = ANY($1) ORDER BY id', [people]),
    database.query('SELECT user_id, count(*)::int AS count FROM session WHERE user_id = ANY($1) AND revoked_at IS NULL GROUP BY user_id ORDER BY user_id', [
      [world.owner.id, world.globalAdmin.id],
    ]),
    database.query('SELECT title, last_seq FROM conversation WHERE id = $1', [world.group.id]),
  ]);
  return { users, members, messages, media, sessions, conversation };
}

describe('mass assignment', () => {
  const given = builders(running);
  let cast: Cast;
  let png: Buffer;

  beforeAll(async () => {
    cast = await makeCast(running);
    png = await image.png(8, 8);
  });

  it('finds JSON bodies in the document', () => {
    expect(withJsonBodies.length).toBeGreaterThan(10);
  });

  it.each(withJsonBodies.map((operation) => [`${operation.method} ${operation.route}`, operation] as const))(
    '%s refuses every field it does not declare with 400 naming it, and changes nothing',
    async (name, operation) => {
      const row = AUTHORIZATION_TABLE.find((candidate) => `${candidate.method} ${candidate.route}` === name);
      if (!row) throw new Error(`${name} has no row in the authorization table`);
      const sender = SENDERS.find((caller) => row.expect[caller] < 300)!;
      const world = await makeWorld(running, cast);
      const user =
        sender === 'anonymous' ? null : row.fresh === 'user' ? await given.user({ role: sender === 'globalAdmin' ? 'admin' : 'user' }) : world[sender];
      const context = { world, caller: user, given, chat: chatBuilders(running), png };
      const send = async (extra: Record<string, unknown>) => {
        const request = await row.request(context);
        return running.app.inject({
          method: row.method,
          url: request.url,
          headers: { ...(user?.auth ?? {}), ...(request.headers ?? {}) },
          payload: { ...(request.payload as object), ...extra },
          remoteAddress: address(),
        });
      };
      // A field the body declares (the seq of a read marker, the role of a member, an admin's `banned`)
      // is that route's business; every other one must be refused.
      const undeclared = PRIVILEGED.filter((field) => !declaredFields(operation).includes(field));
      expect(undeclared.length).toBeGreaterThan(0);

      const before = await snapshot(world);
      for (const field of undeclared) {
        const response = await send({ [field]: field === 'banned' ? false : field === 'seq' ? 1 : field === 'role' ? 'admin' : randomUUID() });
        expect([field, response.statusCode]).toEqual([field, 400]);
        expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.arrayContaining([expect.objectContaining({ field })]) });
        expectResponseMatchesOpenApi(document, operation.method, operation.route, response);
      }
      expect(await snapshot(world)).toEqual(before);
      // The same body without the extra field is accepted: the 400s were about the field and nothing else.
      expect((await send({})).statusCode).toBeLessThan(300);
    },
  );

  it('refuses an upload with an uploaderId (or any other) field next to the file, and keeps nothing', async () => {
    const [ada, bob] = await Promise.all([given.user(), given.user()]);
    const form = multipartForm([
      { name: 'file', filename: 'a.png', contentType: 'image/png', content: png },
      { name: 'uploaderId', content: bob.id },
    ]);
    const response = await running.app.inject({ method: 'POST', url: '/api/v1/media', headers: { ...ada.auth, ...form.headers }, payload: form.payload });
    expect(response.statusCode).toBe(400);
    expect(invariantProblems(response)).toEqual([]);
    const [{ count }] = await running.app.get(DataSource).query('SELECT count(*)::int AS count FROM media WHERE uploader_id = ANY($1)', [[ada.id, bob.id]]);
    expect(count).toBe(0);
  });
});
