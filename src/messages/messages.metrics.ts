import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const MESSAGES_SENT = 'chat_messages_sent_total';

export type Transport = 'rest' | 'ws' | 'scheduled';
export const TRANSPORTS: readonly Transport[] = ['rest', 'ws', 'scheduled'];

export const messagesSentCounter = makeCounterProvider({
  name: MESSAGES_SENT,
  help: 'Messages sent (new ones only, not idempotent retries), by the transport they came in on',
  labelNames: ['transport'],
});
