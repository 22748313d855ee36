import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

export const RETENTION_DELETED = 'chat_retention_deleted_total';
export const RETENTION_BATCHES = 'chat_retention_batches_total';
export const RETENTION_SWEEP_RUNNING = 'chat_retention_sweep_running';
export const RETENTION_SWEEP_CONVERSATIONS = 'chat_retention_sweep_conversations_checked';
export const RETENTION_SWEEP_LAST_COMPLETED = 'chat_retention_sweep_last_completed_seconds';

export const retentionMetrics = [
  makeCounterProvider({
    name: RETENTION_DELETED,
    help: 'What the retention sweep deleted on this instance, by kind (messages, events, media)',
    labelNames: ['kind'],
  }),
  makeCounterProvider({ name: RETENTION_BATCHES, help: 'Delete transactions (batches) of the retention sweep on this instance' }),
  makeGaugeProvider({ name: RETENTION_SWEEP_RUNNING, help: '1 while this instance runs the retention sweep' }),
  makeGaugeProvider({ name: RETENTION_SWEEP_CONVERSATIONS, help: 'Conversations the current (or last) retention sweep of this instance has gone through' }),
  makeGaugeProvider({ name: RETENTION_SWEEP_LAST_COMPLETED, help: 'Unix time the last retention sweep of this instance completed' }),
];
