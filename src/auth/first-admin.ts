import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { UsersRepository } from '../users/users.repository.js';
import { InjectConfig } from '../config/config.module.js';
import { PasswordHasher } from './password-hasher.js';

/** Any constant: instances starting together take turns on this advisory lock. */
const FIRST_ADMIN_LOCK = 7_310_001;

/** A valid, free-looking username from the email's local part: `Ada.L@x` → `ada_l`. */
export function usernameFromEmail(email: string): string {
  const base = email
    .split('@')[0]
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 32);
  return base.length >= 3 ? base : `${base}___`.slice(0, 3);
}

/**
 * With ADMIN_EMAIL and ADMIN_PASSWORD set, makes sure that account exists and is an admin: created
 * with that password, or promoted (its password and ban state left alone). Runs on every start-up.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdmin.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap() {
    const admin = this.config.admin;
    if (!admin) return;
    const outcome = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
      const existing = await this.users.roleByEmail(manager, admin.email);
      if (existing) {
        if (existing.role === 'admin') return 'unchanged';
        await this.users.promote(manager, existing.id);
        return 'promoted';
      }
      const base = usernameFromEmail(admin.email);
      const username = (await this.users.usernameTaken(manager, base)) ? `${base.slice(0, 25)}_${randomBytes(3).toString('hex')}` : base;
      await this.users.insert(manager, {
        email: admin.email,
        username,
        displayName: username,
        passwordHash: await this.hasher.hash(admin.password),
        role: 'admin',
      });
      return 'created';
    });
    if (outcome !== 'unchanged') this.logger.log(`Admin ${admin.email} ${outcome} from ADMIN_EMAIL`);
  }
}
