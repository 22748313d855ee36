import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `users.is_bot`: messages show whether their sender is a bot (`sender.isBot`); false until bots exist. */
export class BotUsers1796172397368 implements MigrationInterface {
  name = 'BotUsers1796172397368';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "is_bot" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "is_bot"`);
  }
}
