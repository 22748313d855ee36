import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MediaAttachments1795268754741 implements MigrationInterface {
  name = 'MediaAttachments1795268754741';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "message_attachment" ADD CONSTRAINT "message_attachment_media_fk" FOREIGN KEY ("media_id") REFERENCES "media"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message_attachment" DROP CONSTRAINT "message_attachment_media_fk"`);
  }
}
