import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const EVENT_STAGE_SECONDS = 'chat_event_delivery_stage_seconds';

/**
 * Where a durable event's way from its writer to the sockets goes, stage by stage (each event observed
 * once per stage): `to_sequencer` from the writer's transaction start (the event's `created_at`) to the
 * sequencer's transaction start (the rest of the writer's transaction, its commit, the kick, waiting
 * for the batch before), `sequencer` that transaction (lock, positions, commit), `to_emit` from
 * sequenced to the emit's start on the delivering instance (its delivery queue, the Redis hop on other
 * instances), `emit` the emit itself (projection, encoding, writes to the sockets).
 */
export const eventStageMetric = makeHistogramProvider({
  name: EVENT_STAGE_SECONDS,
  help: "Seconds a durable event spends in each stage between its writer's transaction and the emit to the sockets",
  labelNames: ['stage'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});
