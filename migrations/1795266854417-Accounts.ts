import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Accounts1795266854417 implements MigrationInterface {
  name = 'Accounts1795266854417';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(254) NOT NULL, "username" character varying(32) NOT NULL, "display_name" character varying(64) NOT NULL, "status_text" character varying(140), "avatar_media_id" uuid, "password_hash" character varying(255) NOT NULL, "role" character varying(16) NOT NULL DEFAULT \'user\', "banned" boolean NOT NULL DEFAULT false, "last_seen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_username_uq" UNIQUE ("username"), CONSTRAINT "user_pk" PRIMARY KEY ("id"))',
    );
    // Written by hand: expression indexes the entities can only name (\`synchronize: false\`).
    await queryRunner.query('CREATE UNIQUE INDEX "user_email_lower_uq" ON "users" (lower("email"))');
    await queryRunner.query('CREATE INDEX "user_email_prefix_idx" ON "users" (lower("email") text_pattern_ops)');
    await queryRunner.query('CREATE INDEX "user_username_prefix_idx" ON "users" ("username" text_pattern_ops)');
    await queryRunner.query('CREATE INDEX "user_display_name_prefix_idx" ON "users" (lower("display_name") text_pattern_ops)');
    await queryRunner.query(
      'CREATE TABLE "session" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "refresh_token_hash" character(64) NOT NULL, "rotation_count" integer NOT NULL DEFAULT \'0\', "user_agent" character varying(512), "ip" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), CONSTRAINT "session_refresh_token_hash_uq" UNIQUE ("refresh_token_hash"), CONSTRAINT "session_pk" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "session_user_idx" ON "session"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "spent_refresh_token" ("token_hash" character(64) NOT NULL, "session_id" uuid NOT NULL, "spent_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "spent_refresh_token_pk" PRIMARY KEY ("token_hash"))',
    );
    await queryRunner.query('CREATE INDEX "spent_refresh_token_session_idx" ON "spent_refresh_token"  ("session_id") ');
    await queryRunner.query(
      'CREATE TABLE "user_block" ("blocker_id" uuid NOT NULL, "blocked_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_block_pk" PRIMARY KEY ("blocker_id", "blocked_id"))',
    );
    await queryRunner.query('CREATE INDEX "user_block_blocked_idx" ON "user_block"  ("blocked_id") ');
    await queryRunner.query(
      'ALTER TABLE "session" ADD CONSTRAINT "session_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "spent_refresh_token" ADD CONSTRAINT "spent_refresh_token_session_fk" FOREIGN KEY ("session_id") REFERENCES "session"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "user_block" ADD CONSTRAINT "user_block_blocker_fk" FOREIGN KEY ("blocker_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "user_block" ADD CONSTRAINT "user_block_blocked_fk" FOREIGN KEY ("blocked_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "user_block" DROP CONSTRAINT "user_block_blocked_fk"');
    await queryRunner.query('ALTER TABLE "user_block" DROP CONSTRAINT "user_block_blocker_fk"');
    await queryRunner.query('ALTER TABLE "spent_refresh_token" DROP CONSTRAINT "spent_refresh_token_session_fk"');
    await queryRunner.query('ALTER TABLE "session" DROP CONSTRAINT "session_user_fk"');
    await queryRunner.query('DROP INDEX "public"."user_block_blocked_idx"');
    await queryRunner.query('DROP TABLE "user_block"');
    await queryRunner.query('DROP INDEX "public"."spent_refresh_token_session_idx"');
    await queryRunner.query('DROP TABLE "spent_refresh_token"');
    await queryRunner.query('DROP INDEX "public"."session_user_idx"');
    await queryRunner.query('DROP TABLE "session"');
    await queryRunner.query('DROP INDEX "public"."user_display_name_prefix_idx"');
    await queryRunner.query('DROP INDEX "public"."user_username_prefix_idx"');
    await queryRunner.query('DROP INDEX "public"."user_email_prefix_idx"');
    await queryRunner.query('DROP INDEX "public"."user_email_lower_uq"');
    await queryRunner.query('DROP TABLE "users"');
  }
}
