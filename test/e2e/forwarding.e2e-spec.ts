import { randomUUID } from 'node:crypto';
import { chatBuilders, type ChatGiven } from '../support/given-chat.js';
import { builders, type Given, type GivenUser } from '../support/given.js';
import { type DepthClient, depthClient, type DepthMessage } from '../support/depth.js';
import { image } from '../support/media-samples.js';
import { mediaClient } from '../support/media.js';
import { AsyncApiChecker, socketFactory } from '../support/sockets.js';
import { useTestApp } from '../support/use-test-app.js';

type Forwarded = DepthMessage & {
  sender: { id: string };
  attachments: Array<{ id: string; sha256: string }>;
  forwardedFrom: { messageId: string; conversationId: string; senderId: string; createdAt: string } | null;
};

describe('forwarding a message into another conversation', () => {
  const app = useTestApp({ listen: true });
  let given: Given;
  let chat: ChatGiven;
  let client: DepthClient;
  let media: ReturnType<typeof mediaClient>;
  let checker: AsyncApiChecker;
  let sockets: ReturnType<typeof socketFactory>;

  beforeAll(async () => {
    given = builders(app.running);
    chat = chatBuilders(app.running);
    client = depthClient(app.running);
    media = mediaClient(app.running);
    checker = await AsyncApiChecker.load(app.running);
    sockets = socketFactory(() => checker);
  });

  afterAll(() => {
    sockets.closeAll();
    expect(checker.violations).toEqual([]);
  });

  const forward = (user: GivenUser, conversationId: string, messageId: string, payload: object) =>
    client.inject('POST', `/conversations/${conversationId}/messages/${messageId}/forward`, user, payload);

  it('makes a new message in the target with forwardedFrom, announced there, idempotent by clientMessageId', async () => {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const source = await chat.group(ada, [bob]);
    const target = await chat.group(bob, [cy]);
    const original = await client.send(ada, source.id, { content: 'worth sharing' });
    await client.send(cy, target.id, { content: 'first' });
    const cySocket = await sockets.connect(app.running.url, cy.accessToken);
    const clientMessageId = randomUUID();
    const response = await forward(bob, source.id, original.id, { toConversationId: target.id, clientMessageId });
    expect(response.statusCode).toBe(201);
    const copy = response.json() as Forwarded;
    expect(copy).toMatchObject({
      conversationId: target.id,
      seq: 2,
      content: 'worth sharing',
      sender: { id: bob.id },
      clientMessageId,
      forwardedFrom: { messageId: original.id, conversationId: source.id, senderId: ada.id, createdAt: original.createdAt },
    });
    const { payload } = await cySocket.next<Forwarded>('message.created', (message) => message.id === copy.id);
    expect(payload.forwardedFrom).toEqual(copy.forwardedFrom);

    const again = await forward(bob, source.id, original.id, { toConversationId: target.id, clientMessageId });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(copy.id);
    const history = await client.get<{ items: DepthMessage[] }>(cy, `/conversations/${target.id}/messages`);
    expect(history.items).toHaveLength(2);
  });

  it('shares the attachments without copying them: the target’s members may read them, still the same bytes', async () => {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const source = await chat.group(ada, [bob]);
    const target = await chat.direct(bob, cy);
    const upload = await media.uploaded(ada, await image.png(16, 16), 'shared.png');
    const original = await client.send(ada, source.id, { content: 'a picture', attachmentIds: [upload.id] });
    expect((await client.inject('GET', `/media/${upload.id}`, cy)).statusCode).toBe(404);
    const copy = (await forward(bob, source.id, original.id, { toConversationId: target.id, clientMessageId: randomUUID() })).json() as Forwarded;
    expect(copy.attachments.map((attachment) => attachment.id)).toEqual([upload.id]);
    expect((await client.inject('GET', `/media/${upload.id}`, cy)).statusCode).toBe(200);
    // Deleting the original leaves the copy (and its picture) in place.
    expect((await client.inject('DELETE', `/conversations/${source.id}/messages/${original.id}`, ada)).statusCode).toBe(204);
    expect((await client.inject('GET', `/media/${upload.id}`, cy)).statusCode).toBe(200);
  });

  it('names the oldest origin the forwarder can see when forwarding a forward', async () => {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const first = await chat.group(ada, [bob]);
    const second = await chat.group(bob, [cy]);
    const third = await chat.group(cy);
    const original = await client.send(ada, first.id, { content: 'origin' });
    const hop = (await forward(bob, first.id, original.id, { toConversationId: second.id, clientMessageId: randomUUID() })).json() as Forwarded;
    // Bob is in the first conversation: forwarding the copy again still names the original.
    const byBob = (await forward(bob, second.id, hop.id, { toConversationId: second.id, clientMessageId: randomUUID() })).json() as Forwarded;
    expect(byBob.forwardedFrom?.messageId).toBe(original.id);
    // Cy is not: she sees only the copy she forwards.
    const byCy = (await forward(cy, second.id, hop.id, { toConversationId: third.id, clientMessageId: randomUUID() })).json() as Forwarded;
    expect(byCy.forwardedFrom).toEqual({ messageId: hop.id, conversationId: second.id, senderId: bob.id, createdAt: hop.createdAt });
  });

  it('answers 404 for strangers to either side and removed members, 403 BLOCKED into a blocked direct conversation, 409 for a tombstone, 400 for bad input', async () => {
    const [ada, bob, cy] = [await given.user(), await given.user(), await given.user()];
    const source = await chat.group(ada, [bob, cy]);
    const direct = await chat.direct(bob, ada);
    const elsewhere = await chat.group(cy);
    const original = await client.send(ada, source.id, { content: 'x' });
    const body = () => ({ toConversationId: direct.id, clientMessageId: randomUUID() });
    // Cy may read the source but is not in the target; nor is anyone in a conversation they don't belong to.
    expect((await forward(cy, source.id, original.id, body())).statusCode).toBe(404);
    expect((await forward(bob, elsewhere.id, original.id, body())).statusCode).toBe(404);
    expect((await forward(bob, source.id, randomUUID(), body())).statusCode).toBe(404);
    expect((await forward(bob, direct.id, original.id, body())).statusCode).toBe(404);
    expect((await client.inject('DELETE', `/conversations/${source.id}/members/${cy.id}`, ada)).statusCode).toBe(204);
    expect((await forward(cy, source.id, original.id, { toConversationId: elsewhere.id, clientMessageId: randomUUID() })).statusCode).toBe(404);

    for (const [payload, field] of [
      [{ toConversationId: 'nope', clientMessageId: randomUUID() }, 'toConversationId'],
      [{ toConversationId: direct.id }, 'clientMessageId'],
      [{ toConversationId: direct.id, clientMessageId: randomUUID(), content: 'extra' }, 'content'],
    ] as const) {
      const response = await forward(bob, source.id, original.id, payload);
      expect([field, response.statusCode]).toEqual([field, 400]);
      expect(response.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }

    expect((await client.inject('PUT', `/users/${ada.id}/block`, bob)).statusCode).toBe(204);
    const blocked = await forward(bob, source.id, original.id, body());
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('BLOCKED');
    expect((await client.inject('DELETE', `/users/${ada.id}/block`, bob)).statusCode).toBe(204);

    expect((await client.inject('DELETE', `/conversations/${source.id}/messages/${original.id}`, ada)).statusCode).toBe(204);
    expect((await forward(bob, source.id, original.id, body())).statusCode).toBe(409);
  });
});
