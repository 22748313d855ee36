import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A send brings back the members who archived or hid the conversation; without this index that looked
 * at every membership row of the conversation, a thousand rows a send in a room of a thousand.
 */
export class MembersAwayIndex1796200000000 implements MigrationInterface {
  name = 'MembersAwayIndex1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "conversation_member_away_idx" ON "conversation_member" ("conversation_id") WHERE archived OR hidden`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."conversation_member_away_idx"`);
  }
}
