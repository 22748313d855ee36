import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LinkPreviews1796187616470 implements MigrationInterface {
  name = 'LinkPreviews1796187616470';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "link_preview" ("url" text NOT NULL, "preview" jsonb, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "link_preview_pk" PRIMARY KEY ("url"))`,
    );
    await queryRunner.query(`CREATE INDEX "link_preview_expires_idx" ON "link_preview" ("expires_at")`);
    await queryRunner.query(`ALTER TABLE "message" ADD "preview" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "preview"`);
    await queryRunner.query(`DROP INDEX "public"."link_preview_expires_idx"`);
    await queryRunner.query(`DROP TABLE "link_preview"`);
  }
}
