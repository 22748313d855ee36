import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation depth (issue 16): threads (`thread_root_id`, the root's reply count, newest reply and first
 * participants, `also_to_conversation`; `thread_participant` with each user's thread read marker),
 * mentions (`message_mention`) and pins (`pinned_at`, `pinned_by_id`). Every list is served by an index.
 */

export class ConversationDepth1796172292182 implements MigrationInterface {
  name = 'ConversationDepth1796172292182';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "message_mention" ("message_id" uuid NOT NULL, "user_id" uuid NOT NULL, "conversation_id" uuid NOT NULL, "seq" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "message_mention_pk" PRIMARY KEY ("message_id", "user_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "message_mention_unread_idx" ON "message_mention" ("user_id", "conversation_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "message_mention_user_idx" ON "message_mention" ("user_id", "created_at", "message_id")`);
    await queryRunner.query(
      `CREATE TABLE "thread_participant" ("root_id" uuid NOT NULL, "user_id" uuid NOT NULL, "conversation_id" uuid NOT NULL, "last_read_seq" bigint NOT NULL DEFAULT '0', "last_reply_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "thread_participant_pk" PRIMARY KEY ("root_id", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "thread_participant_user_conversation_idx" ON "thread_participant" ("user_id", "conversation_id", "last_reply_at", "root_id")`,
    );
    await queryRunner.query(`CREATE INDEX "thread_participant_user_idx" ON "thread_participant" ("user_id", "last_reply_at", "root_id")`);
    await queryRunner.query(`ALTER TABLE "message" ADD "thread_root_id" uuid`);
    await queryRunner.query(`ALTER TABLE "message" ADD "also_to_conversation" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "message" ADD "reply_count" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "message" ADD "last_reply_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "message" ADD "thread_participant_ids" uuid array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "message" ADD "pinned_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "message" ADD "pinned_by_id" uuid`);
    await queryRunner.query(`CREATE INDEX "message_pinned_idx" ON "message" ("conversation_id", "pinned_at", "id") WHERE pinned_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "message_thread_seq_idx" ON "message" ("thread_root_id", "seq") WHERE thread_root_id IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "message" ADD CONSTRAINT "message_thread_root_fk" FOREIGN KEY ("thread_root_id") REFERENCES "message"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message" ADD CONSTRAINT "message_pinned_by_fk" FOREIGN KEY ("pinned_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mention" ADD CONSTRAINT "message_mention_message_fk" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mention" ADD CONSTRAINT "message_mention_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_mention" ADD CONSTRAINT "message_mention_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "thread_participant" ADD CONSTRAINT "thread_participant_root_fk" FOREIGN KEY ("root_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "thread_participant" ADD CONSTRAINT "thread_participant_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "thread_participant" ADD CONSTRAINT "thread_participant_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "thread_participant" DROP CONSTRAINT "thread_participant_conversation_fk"`);
    await queryRunner.query(`ALTER TABLE "thread_participant" DROP CONSTRAINT "thread_participant_user_fk"`);
    await queryRunner.query(`ALTER TABLE "thread_participant" DROP CONSTRAINT "thread_participant_root_fk"`);
    await queryRunner.query(`ALTER TABLE "message_mention" DROP CONSTRAINT "message_mention_conversation_fk"`);
    await queryRunner.query(`ALTER TABLE "message_mention" DROP CONSTRAINT "message_mention_user_fk"`);
    await queryRunner.query(`ALTER TABLE "message_mention" DROP CONSTRAINT "message_mention_message_fk"`);
    await queryRunner.query(`ALTER TABLE "message" DROP CONSTRAINT "message_pinned_by_fk"`);
    await queryRunner.query(`ALTER TABLE "message" DROP CONSTRAINT "message_thread_root_fk"`);
    await queryRunner.query(`DROP INDEX "public"."message_thread_seq_idx"`);
    await queryRunner.query(`DROP INDEX "public"."message_pinned_idx"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "pinned_by_id"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "pinned_at"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "thread_participant_ids"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "last_reply_at"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "reply_count"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "also_to_conversation"`);
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "thread_root_id"`);
    await queryRunner.query(`DROP INDEX "public"."thread_participant_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."thread_participant_user_conversation_idx"`);
    await queryRunner.query(`DROP TABLE "thread_participant"`);
    await queryRunner.query(`DROP INDEX "public"."message_mention_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."message_mention_unread_idx"`);
    await queryRunner.query(`DROP TABLE "message_mention"`);
  }
}
