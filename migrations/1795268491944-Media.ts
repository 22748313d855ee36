import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Media1795268491944 implements MigrationInterface {
  name = 'Media1795268491944';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "media" ("id" uuid NOT NULL, "uploader_id" uuid NOT NULL, "mime_type" character varying(64) NOT NULL, "size" bigint NOT NULL, "sha256" character(64) NOT NULL, "width" integer, "height" integer, "has_thumbnail" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "media_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "media_orphan_sweep_idx" ON "media" ("created_at")`);
    await queryRunner.query(`CREATE INDEX "media_uploader_idx" ON "media" ("uploader_id")`);
    await queryRunner.query(`CREATE INDEX "user_avatar_media_idx" ON "users" ("avatar_media_id") WHERE avatar_media_id IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "media" ADD CONSTRAINT "media_uploader_fk" FOREIGN KEY ("uploader_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "user_avatar_media_fk" FOREIGN KEY ("avatar_media_id") REFERENCES "media"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "user_avatar_media_fk"`);
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "media_uploader_fk"`);
    await queryRunner.query(`DROP INDEX "public"."user_avatar_media_idx"`);
    await queryRunner.query(`DROP INDEX "public"."media_uploader_idx"`);
    await queryRunner.query(`DROP INDEX "public"."media_orphan_sweep_idx"`);
    await queryRunner.query(`DROP TABLE "media"`);
  }
}
