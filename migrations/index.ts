import { Accounts1795266854417 } from './1795266854417-Accounts.js';
import { EventLog1795266893573 } from './1795266893573-EventLog.js';
import { Conversations1795268218055 } from './1795268218055-Conversations.js';
import { Media1795268491944 } from './1795268491944-Media.js';
import { Sync1795268721818 } from './1795268721818-Sync.js';
import { MediaAttachments1795268754741 } from './1795268754741-MediaAttachments.js';
import { AccessWindows1796157646637 } from './1796157646637-AccessWindows.js';
import { RefreshRetryGrace1796158389199 } from './1796158389199-RefreshRetryGrace.js';
import { ConversationDepth1796172292182 } from './1796172292182-ConversationDepth.js';
import { BotUsers1796172397368 } from './1796172397368-BotUsers.js';
import { ConversationState1796173922106 } from './1796173922106-ConversationState.js';
import { Forwarding1796174773445 } from './1796174773445-Forwarding.js';
import { Metadata1796175326862 } from './1796175326862-Metadata.js';
import { Moderation1796175527977 } from './1796175527977-Moderation.js';
import { Retention1796185512561 } from './1796185512561-Retention.js';
import { ModerationPostingRules1796185575618 } from './1796185575618-ModerationPostingRules.js';
import { Webhooks1796185718378 } from './1796185718378-Webhooks.js';
import { Integrations1796185735405 } from './1796185735405-Integrations.js';
import { AccountDeletion1796187179099 } from './1796187179099-AccountDeletion.js';
import { LinkPreviews1796187616470 } from './1796187616470-LinkPreviews.js';
import { PushDevices1796188480780 } from './1796188480780-PushDevices.js';
import { DataExport1796189558213 } from './1796189558213-DataExport.js';
import { ReportMuteAction1796190000000 } from './1796190000000-ReportMuteAction.js';
import { MembersAwayIndex1796200000000 } from './1796200000000-MembersAwayIndex.js';

/** Every migration, oldest first. `npm run migration:generate -- Name` adds new ones here. */
export const migrations: Function[] = [
  Accounts1795266854417,
  EventLog1795266893573,
  Conversations1795268218055,
  Media1795268491944,
  Sync1795268721818,
  MediaAttachments1795268754741,
  AccessWindows1796157646637,
  RefreshRetryGrace1796158389199,
  ConversationDepth1796172292182,
  BotUsers1796172397368,
  ConversationState1796173922106,
  Forwarding1796174773445,
  Metadata1796175326862,
  Moderation1796175527977,
  Retention1796185512561,
  ModerationPostingRules1796185575618,
  Webhooks1796185718378,
  Integrations1796185735405,
  AccountDeletion1796187179099,
  LinkPreviews1796187616470,
  PushDevices1796188480780,
  DataExport1796189558213,
  ReportMuteAction1796190000000,
  MembersAwayIndex1796200000000,
];
