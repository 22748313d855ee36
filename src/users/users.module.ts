import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PresenceReader, SharedStatePresenceReader } from './presence-reader.js';
import { UserBlock } from './user-block.entity.js';
import { UserBlocks } from './user-blocks.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * Profiles, user search and blocks, and the one repository of `users`. Accounts and credentials are the
 * auth module's. Exports `UsersRepository`, `UsersService` (profiles) and `PresenceReader`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, UserBlock])],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UserBlocks, { provide: PresenceReader, useClass: SharedStatePresenceReader }],
  exports: [UsersRepository, UsersService, PresenceReader],
})
export class UsersModule {}
