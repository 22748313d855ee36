import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log forgets, and members see events from their join on:
 * - `chat_event.message_id` names the message an event embeds, so an edit or delete can rewrite them all;
 *   filled for the events already there, which then forget what edits and deletes already took away;
 * - `conversation_member.joined_event_id` records the join's event; for existing members it is the
 *   newest `conversation.updated` addressed to them about that conversation written by then (the join's
 *   own, or — when that was pruned — none, and the window starts at the oldest retained event).
 */
export class AccessWindows1796157646637 implements MigrationInterface {
  name = 'AccessWindows1796157646637';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_event" ADD "message_id" uuid`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "joined_event_id" bigint`);
    await queryRunner.query(`CREATE INDEX "chat_event_message_idx" ON "chat_event" ("message_id") WHERE message_id IS NOT NULL`);
    await queryRunner.query(
      `UPDATE chat_event SET message_id = (CASE WHEN type = 'conversation.updated' THEN data->'lastMessage'->>'id' ELSE data->>'id' END)::uuid
        WHERE type IN ('message.created', 'message.updated', 'message.deleted')
           OR (type = 'conversation.updated' AND jsonb_typeof(data->'lastMessage') = 'object')`,
    );
    const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await queryRunner.query(
      `UPDATE chat_event e SET data = CASE WHEN e.type = 'conversation.updated' THEN jsonb_set(e.data, '{lastMessage}', (e.data->'lastMessage') || p.patch)
                                          ELSE e.data || p.patch END
         FROM (SELECT m.id,
                      jsonb_build_object('content', m.content, 'editedAt', ${iso('m.edited_at')}, 'deletedAt', ${iso('m.deleted_at')})
                        || CASE WHEN m.deleted_at IS NOT NULL THEN '{"attachments": [], "reactions": []}'::jsonb ELSE '{}'::jsonb END AS patch
                 FROM message m WHERE m.edited_at IS NOT NULL OR m.deleted_at IS NOT NULL) p
        WHERE e.message_id = p.id`,
    );
    await queryRunner.query(
      `UPDATE conversation_member mb SET joined_event_id = (
         SELECT max(e.id) FROM chat_event e
          WHERE e.user_id = mb.user_id AND e.type = 'conversation.updated' AND e.data->>'id' = mb.conversation_id::text AND e.created_at <= mb.joined_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."chat_event_message_idx"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "joined_event_id"`);
    await queryRunner.query(`ALTER TABLE "chat_event" DROP COLUMN "message_id"`);
  }
}
