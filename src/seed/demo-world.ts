/**
 * The demo world of `npm run seed`: a few users, direct and group conversations, a few thousand messages
 * with replies, reactions and read markers, and an image — made through the REST API, as a client would,
 * so every rule, event and counter is what real use produces.
 *
 * Running it again changes nothing: users sign in instead of signing up, conversations are found by their
 * members and titles, and every message has a client id derived from its place in the world, so a re-sent
 * one is an idempotent retry. A run that stopped half-way carries on where it stopped.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export const DEMO_PASSWORD = 'demo-password-1';
export const DEMO_DOMAIN = 'demo.example';

const PEOPLE = [
  { username: 'ada', displayName: 'Ada Lovelace' },
  { username: 'grace', displayName: 'Grace Hopper' },
  { username: 'alan', displayName: 'Alan Turing' },
  { username: 'margaret', displayName: 'Margaret Hamilton' },
  { username: 'linus', displayName: 'Linus Torvalds' },
  { username: 'ken', displayName: 'Ken Thompson' },
] as const;
type Username = (typeof PEOPLE)[number]['username'];

interface ConversationPlan {
  key: string;
  /** The first member creates it (and owns it, for a group). */
  members: Username[];
  title?: string;
  messages: number;
}

const CONVERSATIONS: ConversationPlan[] = [
  { key: 'lobby', title: 'Demo lobby', members: ['ada', 'grace', 'alan', 'margaret', 'linus', 'ken'], messages: 1200 },
  { key: 'compilers', title: 'Compilers', members: ['grace', 'ada', 'alan', 'ken'], messages: 800 },
  { key: 'weekend', title: 'Weekend plans', members: ['margaret', 'linus', 'grace'], messages: 300 },
  { key: 'ada-grace', members: ['ada', 'grace'], messages: 250 },
  { key: 'ada-alan', members: ['ada', 'alan'], messages: 250 },
  { key: 'grace-linus', members: ['grace', 'linus'], messages: 250 },
];

const OPENERS = ['So', 'Honestly,', 'Quick one:', 'Reminder:', 'Fun fact:', 'Hm,', 'Agreed —', 'Wait,', 'Update:', 'Good news:'];
const SUBJECTS = [
  'the build',
  'the new parser',
  'lunch',
  'the release',
  'our test suite',
  'that bug from Tuesday',
  'the benchmark',
  'the review',
  'the demo',
  'the coffee machine',
];
const PREDICATES = [
  'is green again',
  'needs another look',
  'ran twice as fast after the fix',
  'is scheduled for Friday',
  'broke on the edge case we talked about',
  'works on my machine',
  'deserves a proper write-up',
  'is finally merged',
  'could use a second pair of eyes',
  'made me laugh out loud',
];
const CLOSERS = ['', '', ' 🙂', ' Thoughts?', ' See you there.', ' 🚀', ' Will report back.', ' (again)', ' Thanks all!', ' 🎉'];
const REACTIONS = ['👍', '❤️', '😂', '🎉', ':shipit:'];

/** One call of the REST API (under /api/v1), as the seed makes it; `multipart` is an upload's body. */
export type DemoApi = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  options?: { token?: string; body?: unknown; multipart?: { boundary: string; payload: Buffer } },
) => Promise<{ status: number; body: unknown }>;

interface AuthAnswer {
  accessToken: string;
  user: { id: string };
}
interface ConversationAnswer {
  id: string;
  type: string;
  title: string | null;
  lastSeq: number;
}

export interface DemoWorldSummary {
  users: { email: string; username: string; displayName: string }[];
  password: string;
  conversations: number;
  messages: number;
  /** Messages sent by this run (0 when the world was already complete). */
  sent: number;
  imageId: string;
}

/** A deterministic line of chat for message `n` of a conversation. */
function lineFor(key: string, n: number): string {
  const pick = <T>(list: readonly T[], salt: number) => list[(hash32(`${key}:${n}:${salt}`) >>> 0) % list.length];
  return `${pick(OPENERS, 1)} ${pick(SUBJECTS, 2)} ${pick(PREDICATES, 3)}.${pick(CLOSERS, 4)}`;
}

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** A UUID (version 4 layout) derived from a name: the same message always gets the same client id. */
function uuidFor(name: string): string {
  const bytes = createHash('sha256').update(`chat-backend demo world: ${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A welcome card, made here so the seed needs no file: an SVG rendered to PNG by sharp. */
export async function welcomeImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="540">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#3b82f6"/><stop offset="1" stop-color="#9333ea"/></linearGradient></defs>
    <rect width="960" height="540" fill="url(#g)"/>
    <circle cx="800" cy="120" r="70" fill="#ffffff" fill-opacity="0.25"/>
    <text x="80" y="260" font-family="sans-serif" font-size="72" font-weight="bold" fill="#ffffff">Welcome to the demo</text>
    <text x="80" y="340" font-family="sans-serif" font-size="36" fill="#ffffff">chat-backend · npm run seed</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function multipartImage(content: Buffer): { boundary: string; payload: Buffer } {
  const boundary = `----chat-demo-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="welcome.png"\r\ncontent-type: image/png\r\n\r\n`;
  return { boundary, payload: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}

/** The database holds accounts under the demo's names that are not the demo's: nothing is changed. */
export class DemoWorldRefused extends Error {}

export async function seedDemoWorld(api: DemoApi, progress: (message: string) => void = () => {}): Promise<DemoWorldSummary> {
  const call = async <T>(status: number[], method: Parameters<DemoApi>[0], path: string, options?: Parameters<DemoApi>[2]): Promise<T> => {
    const answer = await api(method, path, options);
    if (!status.includes(answer.status)) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  };

  // Users: sign in, or sign up the first time.
  const tokens = {} as Record<Username, string>;
  const ids = {} as Record<Username, string>;
  for (const person of PEOPLE) {
    const email = `${person.username}@${DEMO_DOMAIN}`;
    let answer = await api('POST', '/auth/login', { body: { email, password: DEMO_PASSWORD } });
    if (answer.status === 401) {
      answer = await api('POST', '/auth/signup', { body: { email, username: person.username, password: DEMO_PASSWORD, displayName: person.displayName } });
      if (answer.status === 409) {
        throw new DemoWorldRefused(
          `${email} or the username "${person.username}" belongs to an account that is not the demo's: refusing to seed this database`,
        );
      }
    }
    if (answer.status !== 200 && answer.status !== 201) throw new Error(`signing in ${email} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const auth = answer.body as AuthAnswer;
    tokens[person.username] = auth.accessToken;
    ids[person.username] = auth.user.id;
  }

  // The image: ada's avatar, and an attachment of the lobby's first message.
  const me = await call<{ avatar: { id: string } | null }>([200], 'GET', '/users/me', { token: tokens.ada });
  let imageId = me.avatar?.id;
  if (!imageId) {
    imageId = (await call<{ id: string }>([201], 'POST', '/media', { token: tokens.ada, multipart: multipartImage(await welcomeImage()) })).id;
    await call([200], 'PATCH', '/users/me', { token: tokens.ada, body: { avatarMediaId: imageId } });
  }

  // Conversations: directs open idempotently; groups are found by title among their creator's.
  const groupsOf = new Map<Username, ConversationAnswer[]>();
  const listGroups = async (user: Username) => {
    const groups: ConversationAnswer[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: { items: ConversationAnswer[]; nextCursor: string | null } = await call([200], 'GET', `/conversations?limit=100${query}`, {
        token: tokens[user],
      });
      groups.push(...page.items.filter((item) => item.type === 'group'));
      cursor = page.nextCursor;
    } while (cursor);
    return groups;
  };
  const conversations = new Map<string, { id: string; lastSeq: number }>();
  for (const plan of CONVERSATIONS) {
    const [creator, ...others] = plan.members;
    let conversation: ConversationAnswer;
    if (plan.title) {
      if (!groupsOf.has(creator)) groupsOf.set(creator, await listGroups(creator));
      conversation =
        groupsOf.get(creator)!.find((group) => group.title === plan.title) ??
        (await call<ConversationAnswer>([201], 'POST', '/conversations', {
          token: tokens[creator],
          body: { type: 'group', title: plan.title, memberIds: others.map((name) => ids[name]) },
        }));
    } else {
      conversation = await call<ConversationAnswer>([200, 201], 'POST', '/conversations', {
        token: tokens[creator],
        body: { type: 'direct', userId: ids[others[0]] },
      });
    }
    conversations.set(plan.key, { id: conversation.id, lastSeq: conversation.lastSeq });
  }

  // Messages: each conversation in order, the conversations side by side. Where a conversation already
  // has messages, the run carries on after them.
  let sent = 0;
  await Promise.all(
    CONVERSATIONS.map(async (plan) => {
      const { id, lastSeq } = conversations.get(plan.key)!;
      const sentIds: string[] = [];
      for (let n = lastSeq + 1; n <= plan.messages; n++) {
        const first = n === 1;
        const sender = first ? plan.members[0] : plan.members[hash32(`${plan.key}:${n}:sender`) % plan.members.length];
        const body: Record<string, unknown> = {
          clientMessageId: uuidFor(`${plan.key}:${n}`),
          content: first ? `Welcome to ${plan.title ?? 'our chat'}!` : lineFor(plan.key, n),
        };
        if (first && plan.key === 'lobby') body.attachmentIds = [imageId];
        if (sentIds.length > 3 && n % 11 === 0) body.replyToId = sentIds[sentIds.length - 1 - (n % 3)];
        const message = await call<{ id: string }>([200, 201], 'POST', `/conversations/${id}/messages`, { token: tokens[sender], body });
        sentIds.push(message.id);
        sent++;
        if (n % 7 === 0) {
          const reactor = plan.members[(plan.members.indexOf(sender) + 1) % plan.members.length];
          const emoji = encodeURIComponent(REACTIONS[n % REACTIONS.length]);
          await call([200], 'PUT', `/conversations/${id}/messages/${message.id}/reactions/${emoji}`, { token: tokens[reactor] });
        }
        if (sent % 500 === 0) progress(`${sent} messages sent`);
      }
      // Everyone has read it all but ada, who has a few unread in each, so her list shows unread counts.
      for (const member of plan.members) {
        const seq = member === 'ada' ? plan.messages - 3 - (hash32(plan.key) % 10) : plan.messages;
        await call([204], 'POST', `/conversations/${id}/read`, { token: tokens[member], body: { seq } });
      }
    }),
  );

  return {
    users: PEOPLE.map((person) => ({ email: `${person.username}@${DEMO_DOMAIN}`, username: person.username, displayName: person.displayName })),
    password: DEMO_PASSWORD,
    conversations: CONVERSATIONS.length,
    messages: CONVERSATIONS.reduce((total, plan) => total + plan.messages, 0),
    sent,
    imageId,
  };
}
