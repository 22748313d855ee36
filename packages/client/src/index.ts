/**
 * @chat-backend/client — the typed client kit of the chat backend. See docs/CLIENT.md.
 * @packageDocumentation
 */
export { ChatClient, tokensOf, type AuthResult, type ChatEvents, type ChatOptions } from './chat.js';
export { Connection, type ConnectionStatus, type DurableEventName, type DurableMeta, type LiveEventName } from './connection.js';
export { ChatError, isChatError, type ChatErrorCode, type ClientErrorCode, type ErrorDetail, type ServerErrorCode } from './errors.js';
export { type ClientEvents, DURABLE_EVENTS, LIVE_EVENTS, type ServerEvents } from './generated/events.js';
export type { components, paths } from './generated/openapi.js';
export { API_VERSION } from './generated/version.js';
export { defaultLock, InProcessLock, type Lock } from './lock.js';
export { Outbox, type Message, type OutboxItem, type SendBody } from './outbox.js';
export { createRestClient, ok, type RestClient } from './rest.js';
export { type KeyValueStorage, MemoryStorage } from './storage.js';
export { type Refresher, type Tokens, TokenStore } from './tokens.js';
