import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ModerationPostingRules1796185575618 implements MigrationInterface {
  name = 'ModerationPostingRules1796185575618';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "conversation" ADD "mode" character varying(16) NOT NULL DEFAULT 'open'`);
    await queryRunner.query(`ALTER TABLE "conversation" ADD "slow_mode_seconds" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "moderation_muted" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "moderation_muted_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "last_posted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "conversation_member" ADD "metadata" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "conversation" ADD CONSTRAINT "conversation_slow_mode_ck" CHECK (slow_mode_seconds BETWEEN 0 AND 21600)`);
    await queryRunner.query(`ALTER TABLE "conversation" ADD CONSTRAINT "conversation_mode_ck" CHECK (mode IN ('open', 'announcements'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "conversation" DROP CONSTRAINT "conversation_mode_ck"`);
    await queryRunner.query(`ALTER TABLE "conversation" DROP CONSTRAINT "conversation_slow_mode_ck"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "metadata"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "last_posted_at"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "moderation_muted_until"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP COLUMN "moderation_muted"`);
    await queryRunner.query(`ALTER TABLE "conversation" DROP COLUMN "slow_mode_seconds"`);
    await queryRunner.query(`ALTER TABLE "conversation" DROP COLUMN "mode"`);
  }
}
