import type { AppConfig } from '../config/app-config.js';
import { job } from '../jobs/job-definition.js';
import type { Jobs } from '../jobs/jobs.service.js';

export const WEBHOOK_DELIVER = 'webhooks.deliver';

/**
 * The delivery job, shaped by the WEBHOOK_* settings (so it is defined at start-up with `Jobs.define`
 * rather than as a constant in JOBS). `key_strict_fifo` keyed by webhook and conversation: a delivery
 * waiting for its retry holds back the later events of that conversation, so a receiver sees each
 * conversation's events in order, and one slow conversation does not hold up the others.
 * The last attempt does not throw: a failed job would block its key for good, so it ends as `dead`
 * in `webhook_delivery` and lets the next event go.
 */
export function webhookJobs(config: AppConfig['webhooks']) {
  return {
    [WEBHOOK_DELIVER]: job<{ deliveryId: string }>({
      retry: { attempts: config.maxAttempts, delaySeconds: config.retryDelaySeconds, maxDelaySeconds: config.retryMaxDelaySeconds },
      policy: 'key_strict_fifo',
      concurrency: 4,
      timeoutSeconds: Math.ceil(config.timeoutMs / 1000) + 30,
      // A delivery whose instance died is handed to another within seconds, not half a minute.
      heartbeatSeconds: 10,
    }),
  };
}

export type WebhookJobs = Jobs<ReturnType<typeof webhookJobs>>;
