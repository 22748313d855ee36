import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { UserBlock } from './user-block.entity.js';
import { UsersRepository } from './users.repository.js';

/**
 * Who blocked whom: writes `user_block` (this module's table). What a block prevents is decided in
 * src/access (`conversation.post`, `message.edit`, `message.react`, `conversation.typing`,
 * `conversation.markers.move`, `direct.open`, `group.create`, `conversation.members.add`).
 */
@Injectable()
export class UserBlocks {
  constructor(
    @InjectRepository(UserBlock) private readonly blocks: Repository<UserBlock>,
    private readonly users: UsersRepository,
  ) {}

  /** Idempotent: blocking twice is the same as once. */
  async block(caller: AuthUser, userId: string): Promise<void> {
    if (userId === caller.id) throw new ValidationFailed([{ field: 'id', message: 'you cannot block yourself' }]);
    if (!(await this.users.exists(userId))) throw new NotFound('User');
    await this.blocks.createQueryBuilder().insert().values({ blockerId: caller.id, blockedId: userId }).orIgnore().execute();
  }

  async unblock(caller: AuthUser, userId: string): Promise<void> {
    await this.blocks.delete({ blockerId: caller.id, blockedId: userId });
  }
}
