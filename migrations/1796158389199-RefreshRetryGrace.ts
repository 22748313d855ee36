import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshRetryGrace1796158389199 implements MigrationInterface {
  name = 'RefreshRetryGrace1796158389199';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "spent_refresh_token" ADD "successor_sealed" bytea`);
    await queryRunner.query(`ALTER TABLE "spent_refresh_token" ADD "replayable_until" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "spent_refresh_token" DROP COLUMN "replayable_until"`);
    await queryRunner.query(`ALTER TABLE "spent_refresh_token" DROP COLUMN "successor_sealed"`);
  }
}
