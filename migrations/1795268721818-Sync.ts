import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Sync1795268721818 implements MigrationInterface {
  name = 'Sync1795268721818';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "event_log_state" ("id" smallint NOT NULL, "epoch" uuid NOT NULL DEFAULT gen_random_uuid(), "pruned_through" bigint NOT NULL DEFAULT '0', CONSTRAINT "event_log_state_single_row_ck" CHECK (id = 1), CONSTRAINT "event_log_state_pk" PRIMARY KEY ("id"))`,
    );
    // Written by hand: the table's one row, with this event log's epoch.
    await queryRunner.query(`INSERT INTO "event_log_state" ("id") VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "event_log_state"`);
  }
}
