import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Retention1796185512561 implements MigrationInterface {
  name = 'Retention1796185512561';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "retention_policy" ("scope" text NOT NULL, "conversation_id" uuid, "days" integer, "updated_by_id" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "retention_policy_pk" PRIMARY KEY ("scope"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "retention_policy_conversation_uq" ON "retention_policy" ("conversation_id") WHERE conversation_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "message_conversation_created_idx" ON "message" ("conversation_id", "created_at")`);
    await queryRunner.query(
      `ALTER TABLE "retention_policy" ADD CONSTRAINT "retention_policy_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "retention_policy" DROP CONSTRAINT "retention_policy_conversation_fk"`);
    await queryRunner.query(`DROP INDEX "public"."message_conversation_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."retention_policy_conversation_uq"`);
    await queryRunner.query(`DROP TABLE "retention_policy"`);
  }
}
