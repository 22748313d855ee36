import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DataExport1796189558213 implements MigrationInterface {
  name = 'DataExport1796189558213';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "data_export" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "size" bigint, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "data_export_status_ck" CHECK (status IN ('pending', 'ready', 'failed')), CONSTRAINT "data_export_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "data_export_expires_idx" ON "data_export" ("expires_at") WHERE expires_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "data_export_user_idx" ON "data_export" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "data_export_pending_user_uq" ON "data_export" ("user_id") WHERE status = 'pending'`);
    await queryRunner.query(
      `ALTER TABLE "data_export" ADD CONSTRAINT "data_export_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_export" DROP CONSTRAINT "data_export_user_fk"`);
    await queryRunner.query(`DROP INDEX "public"."data_export_pending_user_uq"`);
    await queryRunner.query(`DROP INDEX "public"."data_export_user_idx"`);
    await queryRunner.query(`DROP INDEX "public"."data_export_expires_idx"`);
    await queryRunner.query(`DROP TABLE "data_export"`);
  }
}
