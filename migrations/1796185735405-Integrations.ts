import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Integrations1796185735405 implements MigrationInterface {
  name = 'Integrations1796185735405';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_key" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "created_by_id" uuid NOT NULL, "name" character varying(64) NOT NULL, "scopes" text array NOT NULL, "secret_hash" character varying(64) NOT NULL, "prefix" character varying(16) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "api_key_secret_hash_uq" UNIQUE ("secret_hash"), CONSTRAINT "api_key_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "api_key_created_by_idx" ON "api_key" ("created_by_id")`);
    await queryRunner.query(`CREATE INDEX "api_key_user_idx" ON "api_key" ("user_id")`);
    await queryRunner.query(
      `CREATE TABLE "scheduled_message" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "conversation_id" uuid NOT NULL, "client_message_id" uuid NOT NULL, "content" text NOT NULL, "send_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "message_id" uuid, "failure_reason" text, "job_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "scheduled_message_client_id_uq" UNIQUE ("user_id", "conversation_id", "client_message_id"), CONSTRAINT "scheduled_message_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "scheduled_message_pending_idx" ON "scheduled_message" ("user_id") WHERE status IN ('pending', 'sending')`);
    await queryRunner.query(`CREATE INDEX "scheduled_message_user_idx" ON "scheduled_message" ("user_id", "send_at", "id")`);
    await queryRunner.query(
      `ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_key" ADD CONSTRAINT "api_key_created_by_fk" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "scheduled_message" ADD CONSTRAINT "scheduled_message_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "scheduled_message" ADD CONSTRAINT "scheduled_message_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scheduled_message" DROP CONSTRAINT "scheduled_message_conversation_fk"`);
    await queryRunner.query(`ALTER TABLE "scheduled_message" DROP CONSTRAINT "scheduled_message_user_fk"`);
    await queryRunner.query(`ALTER TABLE "api_key" DROP CONSTRAINT "api_key_created_by_fk"`);
    await queryRunner.query(`ALTER TABLE "api_key" DROP CONSTRAINT "api_key_user_fk"`);
    await queryRunner.query(`DROP INDEX "public"."scheduled_message_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."scheduled_message_pending_idx"`);
    await queryRunner.query(`DROP TABLE "scheduled_message"`);
    await queryRunner.query(`DROP INDEX "public"."api_key_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."api_key_created_by_idx"`);
    await queryRunner.query(`DROP TABLE "api_key"`);
  }
}
