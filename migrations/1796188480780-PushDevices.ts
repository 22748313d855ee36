import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PushDevices1796188480780 implements MigrationInterface {
  name = 'PushDevices1796188480780';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "device" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "platform" text NOT NULL, "token" text NOT NULL, "app_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "device_platform_ck" CHECK (platform IN ('ios', 'android', 'web')), CONSTRAINT "device_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "device_user_idx" ON "device" ("user_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "device_token_uq" ON "device" ("token")`);
    await queryRunner.query(
      `ALTER TABLE "device" ADD CONSTRAINT "device_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "device" DROP CONSTRAINT "device_user_fk"`);
    await queryRunner.query(`DROP INDEX "public"."device_token_uq"`);
    await queryRunner.query(`DROP INDEX "public"."device_user_idx"`);
    await queryRunner.query(`DROP TABLE "device"`);
  }
}
