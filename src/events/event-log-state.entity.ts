import { Check, Column, Entity, Generated, PrimaryColumn } from 'typeorm';

/**
 * One row about the event log as a whole, for `/sync` cursors:
 * - `epoch` names this log, so a cursor from another database (another deployment, a rebuilt one) is
 *   recognised as unknown rather than silently read against positions it never meant;
 * - `pruned_through` is the highest position retention has deleted (or is about to): a cursor below it
 *   may have missed deleted events, so its client must resync.
 * The migration inserts the row.
 */
@Entity('event_log_state')
@Check('event_log_state_single_row_ck', 'id = 1')
export class EventLogState {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'event_log_state_pk' })
  id: number;

  // `@Generated('uuid')` rather than a default expression: TypeORM reads a gen_random_uuid() default back
  // as a generated uuid and would otherwise report a schema change that is not there.
  @Column({ type: 'uuid' })
  @Generated('uuid')
  epoch: string;

  @Column({ type: 'bigint', default: 0 })
  prunedThrough: string;
}
