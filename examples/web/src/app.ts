/**
 * The reference web app: a whole chat on @chat-backend/client and the DOM, nothing else. It is
 * documentation that runs — every feature is a few lines on top of the kit (see docs/CLIENT.md).
 * The API's origin comes from `?api=` (default: this page's origin).
 */
import { ChatClient, isChatError, ok, type components, type Message, type OutboxItem } from '@chat-backend/client';

type Conversation = components['schemas']['ConversationDto'];

const api = new URLSearchParams(location.search).get('api') ?? location.origin;
const chat = new ChatClient({ baseUrl: api, storage: localStorage });
const root = document.getElementById('app') as HTMLElement;

// ---- state: everything the screen shows, upserted by id from REST answers, socket events and /sync ----
const conversations = new Map<string, Conversation>();
const messages = new Map<string, Map<string, Message>>(); // conversationId → message id → message
const readBy = new Map<string, Map<string, number>>(); // conversationId → userId → read seq
const typing = new Map<string, Set<string>>(); // conversationId → userIds typing
const online = new Map<string, boolean>(); // userId → online
let current: string | null = null;
let threadRoot: Message | null = null;
let threadReplies: Message[] = [];
let replyTo: Message | null = null;
let pending: OutboxItem[] = [];
let searchResults: Message[] = [];

/** `h('div', { class: 'x', onclick }, child, …)`: the app's only DOM helper. */
function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Array<Node | string | null | false>): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value as EventListener);
    else if (value !== undefined && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== false) element.append(child);
  return element;
}

const messagesOf = (id: string) => messages.get(id) ?? messages.set(id, new Map()).get(id)!;
const inTimeline = (message: Message) => !message.threadRootId || message.alsoToConversation || message.threadRootId === message.id;
const title = (conversation: Conversation) => conversation.title ?? conversation.peer?.displayName ?? 'direct';

function upsertMessage(message: Message): void {
  messagesOf(message.conversationId).set(message.id, message);
  if (threadRoot && message.threadRootId === threadRoot.id && message.id !== threadRoot.id) {
    threadReplies = [...threadReplies.filter((reply) => reply.id !== message.id), message].sort((a, b) => a.seq - b.seq);
  }
}

// ---- the kit's events: live or from /sync after a reconnect, each once ----
chat.on('message.created', (message) => {
  upsertMessage(message);
  // The list's badges and order follow the messages (the server's counts come with the next list load).
  const conversation = conversations.get(message.conversationId);
  const unread = message.sender.id !== chat.userId && message.conversationId !== current;
  if (!conversation) void loadEverything();
  else
    conversations.set(conversation.id, {
      ...conversation,
      lastSeq: Math.max(conversation.lastSeq, message.seq),
      lastMessage: message,
      unreadCount: conversation.unreadCount + (unread ? 1 : 0),
    });
  if (message.conversationId === current && message.sender.id !== chat.userId && document.visibilityState === 'visible')
    void chat.markRead(message.conversationId, message.seq);
  render();
});
chat.on('message.updated', (message) => (upsertMessage(message), render()));
chat.on('message.deleted', (message) => (upsertMessage(message), render()));
chat.on('reaction.updated', ({ conversationId, messageId, reactions }) => {
  const message = messagesOf(conversationId).get(messageId);
  if (message) upsertMessage({ ...message, reactions });
  render();
});
chat.on('receipt', ({ conversationId, userId, type, seq }) => {
  if (type !== 'read') return;
  const reads = readBy.get(conversationId) ?? readBy.set(conversationId, new Map()).get(conversationId)!;
  reads.set(userId, Math.max(seq, reads.get(userId) ?? 0));
  render();
});
chat.on('conversation.updated', (conversation) => (conversations.set(conversation.id, conversation), render()));
chat.on('mention', ({ conversationId }) => {
  const conversation = conversations.get(conversationId);
  if (conversation && conversationId !== current) conversations.set(conversationId, { ...conversation, unreadMentions: conversation.unreadMentions + 1 });
  render();
});
chat.on('conversation.removed', ({ conversationId }) => (conversations.delete(conversationId), render()));
chat.on('thread.updated', ({ conversationId, rootId, replyCount }) => {
  const root = messagesOf(conversationId).get(rootId);
  if (root) upsertMessage({ ...root, replyCount });
  render();
});
chat.on('typing', ({ conversationId, userId, isTyping }) => {
  const set = typing.get(conversationId) ?? typing.set(conversationId, new Set()).get(conversationId)!;
  if (isTyping) set.add(userId);
  else set.delete(userId);
  render();
});
chat.on('presence', ({ userId, online: isOnline }) => (online.set(userId, isOnline), render()));
chat.on('outbox', (items) => ((pending = items), render()));
chat.on('status', () => render());
chat.on('resync', () => void loadEverything());
chat.on('signedOut', () => render());

// The browser says when the network goes and comes back: close the socket, and reconnect (then /sync).
addEventListener('offline', () => chat.disconnect());
addEventListener('online', () => void chat.connect());

// ---- REST: loading, opening, history ----
async function loadEverything(): Promise<void> {
  const page = await ok(chat.api.GET('/api/v1/conversations', { params: { query: { limit: 100 } } }));
  conversations.clear();
  for (const conversation of page.items) conversations.set(conversation.id, conversation);
  if (current) await open(current);
  render();
}

async function open(id: string): Promise<void> {
  current = id;
  threadRoot = null;
  const [page, detail] = await Promise.all([
    ok(chat.api.GET('/api/v1/conversations/{id}/messages', { params: { path: { id }, query: { limit: 30 } } })),
    ok(chat.api.GET('/api/v1/conversations/{id}', { params: { path: { id } } })),
  ]);
  for (const message of page.items) upsertMessage(message);
  const reads = new Map<string, number>();
  for (const member of detail.members) {
    online.set(member.user.id, member.user.presence.online);
    if (member.user.id !== chat.userId) reads.set(member.user.id, member.lastReadSeq);
  }
  readBy.set(id, reads);
  const conversation = conversations.get(id);
  if (conversation) conversations.set(id, { ...conversation, unreadCount: 0, unreadMentions: 0 });
  const last = page.items.at(-1);
  if (last) await chat.markRead(id, last.seq);
  render();
}

/** History scrolling: at the top, the page just older than the oldest shown. */
async function loadOlder(): Promise<void> {
  if (!current) return;
  const oldest = Math.min(...[...messagesOf(current).values()].map((message) => message.seq));
  if (!Number.isFinite(oldest) || oldest <= 1) return;
  const page = await ok(chat.api.GET('/api/v1/conversations/{id}/messages', { params: { path: { id: current }, query: { before: oldest, limit: 30 } } }));
  for (const message of page.items) upsertMessage(message);
  render();
}

async function openThread(message: Message): Promise<void> {
  const page = await ok(
    chat.api.GET('/api/v1/conversations/{id}/messages/{messageId}/thread', { params: { path: { id: message.conversationId, messageId: message.id } } }),
  );
  threadRoot = page.root;
  threadReplies = page.items;
  render();
}

async function startDirect(username: string): Promise<void> {
  const found = await ok(chat.api.GET('/api/v1/users', { params: { query: { search: username } } }));
  const user = found.items.find((profile) => profile.username === username);
  if (!user) return alert(`no user ${username}`);
  const conversation = await ok(chat.api.POST('/api/v1/conversations', { body: { type: 'direct', userId: user.id } }));
  conversations.set(conversation.id, conversation);
  await open(conversation.id);
}

async function startGroup(titleText: string, usernames: string[]): Promise<void> {
  const ids: string[] = [];
  for (const username of usernames) {
    const found = await ok(chat.api.GET('/api/v1/users', { params: { query: { search: username } } }));
    const user = found.items.find((profile) => profile.username === username);
    if (user) ids.push(user.id);
  }
  const conversation = await ok(chat.api.POST('/api/v1/conversations', { body: { type: 'group', title: titleText, memberIds: ids } }));
  conversations.set(conversation.id, conversation);
  await open(conversation.id);
}

// ---- actions on a message ----
const path = (message: Message) => ({ path: { id: message.conversationId, messageId: message.id } });
const react = (message: Message, emoji: string, mine: boolean) =>
  mine
    ? ok(chat.api.DELETE('/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', { params: { path: { ...path(message).path, emoji } } }))
    : ok(chat.api.PUT('/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}', { params: { path: { ...path(message).path, emoji } } }));
const edit = async (message: Message) => {
  const content = prompt('Edit message', message.content ?? '');
  if (content) upsertMessage(await ok(chat.api.PATCH('/api/v1/conversations/{id}/messages/{messageId}', { params: path(message), body: { content } })));
  render();
};
const remove = async (message: Message) => {
  await ok(chat.api.DELETE('/api/v1/conversations/{id}/messages/{messageId}', { params: path(message) }));
};

async function send(form: HTMLFormElement): Promise<void> {
  if (!current) return;
  const text = form.elements.namedItem('text') as HTMLInputElement;
  const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
  const attachmentIds = file ? [(await chat.upload(file, file.name)).id] : undefined;
  const content = text.value.trim();
  if (!content && !attachmentIds) return;
  const body = { ...(content ? { content } : {}), ...(attachmentIds ? { attachmentIds } : {}), ...(replyTo ? { replyToId: replyTo.id } : {}) };
  replyTo = null;
  form.reset();
  chat.send(current, body).catch((error: unknown) => alert(isChatError(error) ? `${error.code}: ${error.message}` : String(error)));
}

async function search(q: string): Promise<void> {
  searchResults = q ? (await ok(chat.api.GET('/api/v1/messages/search', { params: { query: { q } } }))).items : [];
  render();
}

// ---- rendering: the whole screen from the state, each time (small enough) ----
function renderMessage(message: Message): HTMLElement {
  const mine = message.sender.id === chat.userId;
  const reads = readBy.get(message.conversationId) ?? new Map<string, number>();
  const read = mine && [...reads.values()].some((seq) => seq >= message.seq);
  const parent = message.replyToId ? messagesOf(message.conversationId).get(message.replyToId) : undefined;
  return h(
    'div',
    { class: `message${mine ? ' mine' : ''}`, 'data-seq': message.seq, 'data-id': message.id },
    h('div', { class: 'meta' }, `${message.sender.displayName} · #${message.seq}${message.editedAt ? ' · edited' : ''}${read ? ' · ✓ read' : ''}`),
    parent && message.threadRootId !== message.replyToId ? h('div', { class: 'meta' }, `↪ ${parent.content ?? ''}`) : null,
    h('div', { class: 'content' }, message.deletedAt ? '(deleted)' : (message.content ?? '')),
    ...message.attachments.map((media) =>
      media.thumbnailUrl ? h('img', { src: chat.mediaUrl(media.thumbnailUrl), alt: 'attachment' }) : h('a', { href: chat.mediaUrl(media.url) }, media.mimeType),
    ),
    h(
      'div',
      { class: 'reactions' },
      ...message.reactions.map((r) => h('button', { class: r.me ? 'me' : '', onclick: () => react(message, r.emoji, r.me) }, `${r.emoji} ${r.count}`)),
    ),
    message.deletedAt
      ? null
      : h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              onclick: () =>
                react(
                  message,
                  '👍',
                  message.reactions.some((r) => r.emoji === '👍' && r.me),
                ),
            },
            '👍',
          ),
          h('button', { onclick: () => ((replyTo = message), render()) }, 'reply'),
          message.replyCount ? h('button', { onclick: () => openThread(message) }, `${message.replyCount} replies`) : null,
          mine ? h('button', { onclick: () => edit(message) }, 'edit') : null,
          mine ? h('button', { class: 'delete', onclick: () => remove(message) }, 'delete') : null,
        ),
  );
}

function render(): void {
  const focused = document.activeElement instanceof HTMLInputElement ? document.activeElement.name : null;
  const draft = (root.querySelector('input[name=text]') as HTMLInputElement | null)?.value ?? '';
  // Keep the scroll position of the message lists (following the newest when it was at the bottom).
  const scrolls = [...root.querySelectorAll('.messages')].map((list) => ({
    top: list.scrollTop,
    atBottom: list.scrollTop + list.clientHeight >= list.scrollHeight - 4,
  }));
  root.replaceChildren(chat.userId ? renderChat() : renderAuth());
  root.querySelectorAll('.messages').forEach((list, index) => {
    const before = scrolls[index];
    list.scrollTop = !before || before.atBottom ? list.scrollHeight : before.top;
  });
  const text = root.querySelector('input[name=text]') as HTMLInputElement | null;
  if (text) text.value = draft;
  if (focused) (root.querySelector(`input[name=${focused}]`) as HTMLInputElement | null)?.focus();
}

function renderAuth(): HTMLElement {
  const form = h('form', { class: 'auth' }) as HTMLFormElement;
  const field = (name: string, type = 'text') => h('input', { name, type, placeholder: name, required: name !== 'username' });
  const submit = async (mode: 'in' | 'up') => {
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    try {
      if (mode === 'up') await chat.signUp({ email: value('email'), username: value('username'), password: value('password') });
      else await chat.signIn({ email: value('email'), password: value('password') });
      await start();
    } catch (error) {
      alert(isChatError(error) ? `${error.code}: ${error.message}` : String(error));
    }
  };
  form.append(
    h('h2', {}, 'Chat'),
    field('email', 'email'),
    field('username'),
    field('password', 'password'),
    h('button', { type: 'button', class: 'signin', onclick: () => submit('in') }, 'Sign in'),
    h('button', { type: 'button', class: 'signup', onclick: () => submit('up') }, 'Sign up'),
  );
  return form;
}

function renderChat(): HTMLElement {
  const conversation = current ? conversations.get(current) : undefined;
  const shown = current ? [...messagesOf(current).values()].filter(inTimeline).sort((a, b) => a.seq - b.seq) : [];
  const mine = current ? pending.filter((item) => item.conversationId === current && !shown.some((m) => m.clientMessageId === item.clientMessageId)) : [];
  const typists = current ? [...(typing.get(current) ?? [])].filter((id) => id !== chat.userId) : [];
  const sorted = [...conversations.values()].sort((a, b) => b.lastSeq - a.lastSeq || a.id.localeCompare(b.id));
  const composer = h('form', { class: 'composer', onsubmit: (event: Event) => (event.preventDefault(), send(event.target as HTMLFormElement)) });
  composer.append(
    h('input', { name: 'text', type: 'text', placeholder: 'Message', autocomplete: 'off', oninput: () => current && chat.typing(current) }),
    h('input', { name: 'file', type: 'file', accept: 'image/*' }),
    h('button', { type: 'submit', class: 'send' }, 'Send'),
  );
  const list = h('div', { class: 'messages', onscroll: (event: Event) => (event.target as HTMLElement).scrollTop === 0 && loadOlder() });
  list.append(
    ...shown.map(renderMessage),
    ...mine.map((item) =>
      h(
        'div',
        { class: 'message mine pending', 'data-client-id': item.clientMessageId },
        item.body.content ?? '…',
        item.state === 'failed' ? ` (failed: ${item.error?.code})` : ' (sending)',
      ),
    ),
  );
  return h(
    'div',
    { class: 'layout' },
    h(
      'aside',
      { class: 'sidebar' },
      h(
        'header',
        {},
        h('strong', {}, 'Chats'),
        h('span', { class: `status ${chat.status}` }, chat.status),
        h('button', { onclick: () => chat.signOut().then(render) }, 'Sign out'),
      ),
      h(
        'form',
        {
          class: 'new',
          onsubmit: (event: Event) => (
            event.preventDefault(),
            startDirect(((event.target as HTMLFormElement).elements.namedItem('peer') as HTMLInputElement).value)
          ),
        },
        h('input', { name: 'peer', placeholder: 'direct: username' }),
      ),
      h(
        'form',
        {
          class: 'new-group',
          onsubmit: (event: Event) => {
            event.preventDefault();
            const form = event.target as HTMLFormElement;
            const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
            void startGroup(
              value('title'),
              value('members')
                .split(/[\s,]+/)
                .filter(Boolean),
            );
          },
        },
        h('input', { name: 'title', placeholder: 'group title' }),
        h('input', { name: 'members', placeholder: 'usernames' }),
        h('button', { type: 'submit' }, 'New group'),
      ),
      h(
        'ul',
        { class: 'conversations' },
        ...sorted.map((c) =>
          h(
            'li',
            { class: c.id === current ? 'active' : '', 'data-id': c.id, onclick: () => open(c.id) },
            h('span', {}, c.peer ? h('span', { class: `presence${online.get(c.peer.id) ? ' on' : ''}` }) : null, ' ', title(c)),
            h(
              'span',
              {},
              c.unreadCount && c.id !== current ? h('span', { class: 'badge unread' }, String(c.unreadCount)) : null,
              c.unreadMentions && c.id !== current ? h('span', { class: 'badge mention' }, `@${c.unreadMentions}`) : null,
            ),
          ),
        ),
      ),
      h(
        'form',
        {
          class: 'search',
          onsubmit: (event: Event) => (event.preventDefault(), search(((event.target as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value)),
        },
        h('input', { name: 'q', placeholder: 'search messages' }),
      ),
      h(
        'ul',
        { class: 'results' },
        ...searchResults.map((m) => h('li', { onclick: () => open(m.conversationId) }, `${m.sender.displayName}: ${m.content ?? ''}`)),
      ),
    ),
    h(
      'section',
      { class: 'pane' },
      h('header', {}, h('strong', {}, conversation ? title(conversation) : 'Pick a conversation')),
      list,
      h('div', { class: 'typing' }, typists.length ? `${typists.length === 1 ? 'someone is' : `${typists.length} people are`} typing…` : ''),
      replyTo
        ? h('div', { class: 'replying' }, `Replying to: ${replyTo.content ?? ''} `, h('button', { onclick: () => ((replyTo = null), render()) }, '×'))
        : null,
      current ? composer : null,
    ),
    h(
      'aside',
      { class: 'thread' },
      h('header', {}, h('strong', {}, threadRoot ? 'Thread' : 'No thread open')),
      threadRoot ? h('div', { class: 'messages' }, renderMessage(threadRoot), ...threadReplies.map(renderMessage)) : null,
    ),
  );
}

/** After sign-in (or a reload with stored tokens): connect — which catches up from the stored cursor — then load. */
async function start(): Promise<void> {
  render();
  await chat.connect();
  await loadEverything();
}

if (chat.userId) void start();
else render();
// For the browser suite and the curious: the client of this page.
(globalThis as { chat?: ChatClient }).chat = chat;
