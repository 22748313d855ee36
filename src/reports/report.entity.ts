import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { registerConflictMessage } from '../common/errors/unique-constraints.js';
import { Message } from '../messages/message.entity.js';
import { User } from '../users/user.entity.js';
import type { ReportAction, ReportReason, ReportStatus } from './report.types.js';

registerConflictMessage('report_open_message_uq', 'You already reported this message; an admin will look at it');
registerConflictMessage('report_open_user_uq', 'You already reported this user; an admin will look at it');

/**
 * A report of a message or a user (exactly one: `report_target_ck`) to the admins. The database holds
 * the rule "one open report per reporter per target" in two partial unique indexes, so two concurrent
 * reports cannot both be accepted; once resolved, the same target may be reported again.
 */
@Entity('report')
@Check('report_target_ck', 'num_nonnulls(message_id, user_id) = 1')
@Check('report_reason_ck', `reason IN ('spam', 'abuse', 'illegal', 'other')`)
@Check('report_status_ck', `status IN ('open', 'resolved')`)
@Check('report_action_ck', `action IN ('dismiss', 'delete_message', 'mute_user', 'ban_user')`)
@Check('report_resolution_ck', `(status = 'open') = (action IS NULL AND resolved_at IS NULL)`)
@Index('report_open_message_uq', ['reporterId', 'messageId'], { unique: true, where: `status = 'open' AND message_id IS NOT NULL` })
@Index('report_open_user_uq', ['reporterId', 'userId'], { unique: true, where: `status = 'open' AND user_id IS NOT NULL` })
@Index('report_status_created_idx', ['status', 'createdAt', 'id'])
@Index('report_message_idx', ['messageId'], { where: 'message_id IS NOT NULL' })
@Index('report_user_idx', ['userId'], { where: 'user_id IS NOT NULL' })
export class Report {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'report_pk' })
  id: string;

  @Column({ type: 'uuid' })
  reporterId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reporter_id', foreignKeyConstraintName: 'report_reporter_fk' })
  reporter?: Relation<User>;

  @Column({ type: 'uuid', nullable: true })
  messageId: string | null;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'report_message_fk' })
  message?: Relation<Message>;

  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'report_user_fk' })
  user?: Relation<User>;

  @Column({ type: 'text' })
  reason: ReportReason;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'text', default: 'open' })
  status: ReportStatus;

  @Column({ type: 'text', nullable: true })
  action: ReportAction | null;

  /** The admin who resolved it. */
  @Column({ type: 'uuid', nullable: true })
  resolvedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
