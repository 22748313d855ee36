/** Why someone reports, what an admin does about it, and where a report stands. */
export const REPORT_REASONS = ['spam', 'abuse', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const REPORT_ACTIONS = ['dismiss', 'delete_message', 'mute_user', 'ban_user'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

export const REPORT_STATUSES = ['open', 'resolved'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** The longest note a reporter may add. */
export const REPORT_NOTE_MAX = 1000;
