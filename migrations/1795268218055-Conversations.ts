import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Conversations1795268218055 implements MigrationInterface {
  name = 'Conversations1795268218055';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "conversation" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" character varying(16) NOT NULL, "title" character varying(100), "direct_key" text, "last_seq" bigint NOT NULL DEFAULT '0', "last_message_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "conversation_direct_key_uq" UNIQUE ("direct_key"), CONSTRAINT "conversation_type_ck" CHECK (type IN ('direct', 'group')), CONSTRAINT "conversation_direct_key_ck" CHECK ((type = 'direct') = (direct_key IS NOT NULL)), CONSTRAINT "conversation_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "conversation_member" ("conversation_id" uuid NOT NULL, "user_id" uuid NOT NULL, "role" character varying(16) NOT NULL DEFAULT 'member', "last_read_seq" bigint NOT NULL DEFAULT '0', "last_delivered_seq" bigint NOT NULL DEFAULT '0', "joined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "conversation_member_role_ck" CHECK (role IN ('owner', 'admin', 'member')), CONSTRAINT "conversation_member_pk" PRIMARY KEY ("conversation_id", "user_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "conversation_member_user_idx" ON "conversation_member" ("user_id")`);
    await queryRunner.query(
      `CREATE TABLE "message" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "conversation_id" uuid NOT NULL, "seq" bigint NOT NULL, "sender_id" uuid NOT NULL, "content" text, "reply_to_id" uuid, "client_message_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "edited_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "message_client_id_uq" UNIQUE ("conversation_id", "sender_id", "client_message_id"), CONSTRAINT "message_conversation_seq_uq" UNIQUE ("conversation_id", "seq"), CONSTRAINT "message_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "message_reply_to_idx" ON "message" ("reply_to_id")`);
    // Written by hand: search matches substrings of lower(content) (CJK text has no spaces to split words
    // on), served by a trigram index. The entity only names it (`synchronize: false`).
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE INDEX "message_content_trgm_idx" ON "message" USING gin (lower("content") gin_trgm_ops)`);
    await queryRunner.query(
      `CREATE TABLE "message_attachment" ("message_id" uuid NOT NULL, "media_id" uuid NOT NULL, "position" smallint NOT NULL, CONSTRAINT "message_attachment_pk" PRIMARY KEY ("message_id", "media_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "message_attachment_media_idx" ON "message_attachment" ("media_id")`);
    await queryRunner.query(
      `CREATE TABLE "message_reaction" ("message_id" uuid NOT NULL, "user_id" uuid NOT NULL, "emoji" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "message_reaction_pk" PRIMARY KEY ("message_id", "user_id", "emoji"))`,
    );
    await queryRunner.query(`CREATE INDEX "message_reaction_user_idx" ON "message_reaction" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE "conversation_member" ADD CONSTRAINT "conversation_member_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "conversation_member" ADD CONSTRAINT "conversation_member_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message" ADD CONSTRAINT "message_conversation_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message" ADD CONSTRAINT "message_sender_fk" FOREIGN KEY ("sender_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message" ADD CONSTRAINT "message_reply_to_fk" FOREIGN KEY ("reply_to_id") REFERENCES "message"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_attachment" ADD CONSTRAINT "message_attachment_message_fk" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_reaction" ADD CONSTRAINT "message_reaction_message_fk" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "message_reaction" ADD CONSTRAINT "message_reaction_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "message_reaction" DROP CONSTRAINT "message_reaction_user_fk"`);
    await queryRunner.query(`ALTER TABLE "message_reaction" DROP CONSTRAINT "message_reaction_message_fk"`);
    await queryRunner.query(`ALTER TABLE "message_attachment" DROP CONSTRAINT "message_attachment_message_fk"`);
    await queryRunner.query(`ALTER TABLE "message" DROP CONSTRAINT "message_reply_to_fk"`);
    await queryRunner.query(`ALTER TABLE "message" DROP CONSTRAINT "message_sender_fk"`);
    await queryRunner.query(`ALTER TABLE "message" DROP CONSTRAINT "message_conversation_fk"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP CONSTRAINT "conversation_member_user_fk"`);
    await queryRunner.query(`ALTER TABLE "conversation_member" DROP CONSTRAINT "conversation_member_conversation_fk"`);
    await queryRunner.query(`DROP INDEX "public"."message_reaction_user_idx"`);
    await queryRunner.query(`DROP TABLE "message_reaction"`);
    await queryRunner.query(`DROP INDEX "public"."message_attachment_media_idx"`);
    await queryRunner.query(`DROP TABLE "message_attachment"`);
    await queryRunner.query(`DROP INDEX "public"."message_content_trgm_idx"`);
    await queryRunner.query(`DROP INDEX "public"."message_reply_to_idx"`);
    await queryRunner.query(`DROP TABLE "message"`);
    await queryRunner.query(`DROP INDEX "public"."conversation_member_user_idx"`);
    await queryRunner.query(`DROP TABLE "conversation_member"`);
    await queryRunner.query(`DROP TABLE "conversation"`);
  }
}
