import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A report can be resolved by muting the reported message's sender in its group (`mute_user`). */
export class ReportMuteAction1796190000000 implements MigrationInterface {
  name = 'ReportMuteAction1796190000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "report" DROP CONSTRAINT "report_action_ck"`);
    await queryRunner.query(`ALTER TABLE "report" ADD CONSTRAINT "report_action_ck" CHECK (action IN ('dismiss', 'delete_message', 'mute_user', 'ban_user'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "report" DROP CONSTRAINT "report_action_ck"`);
    await queryRunner.query(`ALTER TABLE "report" ADD CONSTRAINT "report_action_ck" CHECK (action IN ('dismiss', 'delete_message', 'ban_user'))`);
  }
}
