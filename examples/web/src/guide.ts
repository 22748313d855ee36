import { ChatClient, isChatError, ok } from '@chat-backend/client';

const chat = new ChatClient({ baseUrl: 'https://chat.example.com', storage: localStorage });
if (!chat.userId) await chat.signIn({ email: 'ada@example.com', password: 'correct horse battery' });

// Every durable event once, live or caught up after a reconnect; live-only ones as they come.
chat.on('message.created', (message, { source }) => console.log(`${message.sender.displayName}: ${message.content} (${source})`));
chat.on('message.updated', (message) => console.log('edited', message.id));
chat.on('typing', ({ userId, isTyping }) => console.log(userId, isTyping ? 'is typing' : 'stopped'));
chat.on('resync', () => location.reload()); // the stored cursor was too old: load everything again
chat.on('signedOut', () => location.assign('/sign-in'));
await chat.connect(); // resolves once caught up

// Typed REST: paths, parameters and answers come from the served OpenAPI document.
const { items } = await ok(chat.api.GET('/api/v1/conversations', { params: { query: { limit: 20 } } }));
const conversation = items[0] ?? (await ok(chat.api.POST('/api/v1/conversations', { body: { type: 'group', title: 'Lunch', memberIds: [] } })));
const history = await ok(chat.api.GET('/api/v1/conversations/{id}/messages', { params: { path: { id: conversation.id } } }));
history.items.forEach((message) => console.log(`#${message.seq} ${message.content}`));

// Sends survive the network: same clientMessageId on every retry, stored once.
try {
  const sent = await chat.send(conversation.id, { content: 'Hello!' });
  await chat.markRead(conversation.id, sent.seq);
} catch (error) {
  if (isChatError(error, 'BLOCKED')) console.log('you cannot write here');
}
