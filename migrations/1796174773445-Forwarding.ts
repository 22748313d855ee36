import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Forwarding (issue 16): a forwarded copy records where its original came from. */
export class Forwarding1796174773445 implements MigrationInterface {
  name = 'Forwarding1796174773445';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message" ADD "forwarded_from" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message" DROP COLUMN "forwarded_from"`);
  }
}
