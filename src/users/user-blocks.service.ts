import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound, ValidationFailed } from '../common/errors/app.exception.js';
import { UserBlock } from './user-block.entity.js';
import { User } from './user.entity.js';

/** Who blocked whom. Conversations ask `eitherBlocked` before a direct message or a new direct conversation. */
@Injectable()
export class UserBlocks {
  constructor(
    @InjectRepository(UserBlock) private readonly blocks: Repository<UserBlock>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** Idempotent: blocking twice is the same as once. */
  async block(caller: AuthUser, userId: string): Promise<void> {
    if (userId === caller.id) throw new ValidationFailed([{ field: 'id', message: 'you cannot block yourself' }]);
    if (!(await this.users.existsBy({ id: userId }))) throw new NotFound('User');
    await this.blocks.createQueryBuilder().insert().values({ blockerId: caller.id, blockedId: userId }).orIgnore().execute();
  }

  async unblock(caller: AuthUser, userId: string): Promise<void> {
    await this.blocks.delete({ blockerId: caller.id, blockedId: userId });
  }

  /** True when either of the two users blocked the other. */
  eitherBlocked(userA: string, userB: string): Promise<boolean> {
    return this.blocks.exists({
      where: [
        { blockerId: userA, blockedId: userB },
        { blockerId: userB, blockedId: userA },
      ],
    });
  }
}
