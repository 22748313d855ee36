import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountDeletion1796187179099 implements MigrationInterface {
  name = 'AccountDeletion1796187179099';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "deleted_at"`);
  }
}
