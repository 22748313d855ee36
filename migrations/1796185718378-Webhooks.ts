import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1796185718378 implements MigrationInterface {
  name = 'Webhooks1796185718378';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" text NOT NULL, "events" text array NOT NULL, "conversation_id" uuid, "secret" text NOT NULL, "status" text NOT NULL DEFAULT 'active', "disabled_reason" text, "cursor" bigint NOT NULL, "consecutive_dead" integer NOT NULL DEFAULT '0', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_status_ck" CHECK (status IN ('active', 'disabled')), CONSTRAINT "webhook_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "webhook_active_idx" ON "webhook" ("cursor") WHERE status = 'active'`);
    await queryRunner.query(
      `CREATE TABLE "webhook_delivery" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "number" BIGSERIAL NOT NULL, "webhook_id" uuid NOT NULL, "position" bigint NOT NULL, "event_type" text NOT NULL, "ordering_key" text NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempt" integer NOT NULL DEFAULT '0', "response_status" integer, "latency_ms" integer, "error" text, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "webhook_delivery_status_ck" CHECK (status IN ('pending', 'delivered', 'failed', 'dead')), CONSTRAINT "webhook_delivery_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "webhook_delivery_webhook_idx" ON "webhook_delivery" ("webhook_id", "number")`);
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_webhook_fk" FOREIGN KEY ("webhook_id") REFERENCES "webhook"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_delivery" DROP CONSTRAINT "webhook_delivery_webhook_fk"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_delivery_webhook_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_active_idx"`);
    await queryRunner.query(`DROP TABLE "webhook"`);
  }
}
