import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user conversation state (issue 16): each member's own mute (with an expiry), archive, hide, pin and
 * notification level on `conversation_member`, and `draft`, one per member per conversation and per thread.
 */
export class ConversationState1796173922106 implements MigrationInterface {
  name = 'ConversationState1796173922106';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "draft" ("user_id" uuid NOT NULL, "conversation_id" uuid NOT NULL, "thread_key" uuid NOT NULL, "thread_root_id" uuid, "content" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "draft_thread_key_ck" CHECK (thread_key = coalesce(thread_root_id, '00000000-0000-0000-0000-000000000000'::uuid)), CONSTRAINT "draft_pk" PRIMARY KEY ("user_id", "conversation_id", "thread_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "draft_user_updated_idx" ON "draft" ("user_id", "updated_at", "conversation_id", "thread_key")`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "muted" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "muted_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "archived" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "hidden" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "pinned_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "notification_level" character varying(16) NOT NULL DEFAULT 'all'`);
    await queryRunner.query(
      `ALTER TABLE "conversation_member" ADD CONSTRAINT "conversation_member_notification_level_ck" CHECK (notification_level IN ('all', 'mentions', 'none'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "draft" ADD CONSTRAINT "draft_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "draft" ADD CONSTRAINT "draft_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "draft" ADD CONSTRAINT "draft_thread_root_fk" FOREIGN KEY ("thread_root_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "draft" DROP CONSTRAINT "draft_thread_root_fk"`);
    await queryRunner.query(`ALTER TABLE "draft" DROP CONSTRAINT "draft_user_fk"`);
    await queryRunner.query(`ALTER TABLE "draft" DROP CONSTRAINT "draft_conversation_fk"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP CONSTRAINT "conversation_member_notification_level_ck"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "notification_level"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "pinned_at"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "hidden"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "archived"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "muted_until"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "muted"`);
    await queryRunner.query(`DROP INDEX "public"."draft_user_updated_idx"`);
    await queryRunner.query(`DROP TABLE "draft"`);
  }
}
