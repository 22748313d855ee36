import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PresenceReader, SharedStatePresenceReader } from './presence-reader.js';
import { UserBlock } from './user-block.entity.js';
import { User } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

/** Profiles, user search and blocks. Accounts and credentials are the auth module's. */
@Module({
  imports: [TypeOrmModule.forFeature([User, UserBlock])],
  providers: [UsersRepository, { provide: PresenceReader, useClass: SharedStatePresenceReader }],
  exports: [TypeOrmModule, UsersRepository, PresenceReader],
})
export class UsersModule {}
