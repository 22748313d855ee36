import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { BotsController } from './bots.controller.js';
import { BotsService } from './bots.service.js';

/**
 * Bots and API keys: creating bots (admins), minting, listing and revoking keys. Authenticating with a
 * key is AuthModule's (`ApiKeyAuthenticator` beside the JWT strategy, with the `api_key` table's
 * repository); the scopes are src/common/auth/scopes.ts.
 */
@Module({
  imports: [AuthModule, UsersModule, AccessModule, AuditModule],
  controllers: [ApiKeysController, BotsController],
  providers: [ApiKeysService, BotsService],
})
export class ApiKeysModule {}
