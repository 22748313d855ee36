import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Custom metadata (issue 16): a bounded JSON object on users, conversations and messages. */
export class Metadata1796175326862 implements MigrationInterface {
  name = 'Metadata1796175326862';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "conversation" ADD "metadata" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "users" ADD "metadata" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "message" ADD "metadata" jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "metadata"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "metadata"`);
    await queryRunner.query(`ALTER TABLE "conversation" DROP COLUMN "metadata"`);
  }
}
