import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { ApiKey } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokens, JWT_ALGORITHMS } from './access-tokens.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { FirstAdmin } from './first-admin.js';
import { LiveSessions } from './live-sessions.js';
import { LoginAttempts } from './login-attempts.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionHousekeeping } from './session-housekeeping.js';
import { SessionRepository } from './session.repository.js';
import { SessionRevocation } from './session-revocation.js';
import { Session } from './session.entity.js';
import { SessionsService } from './sessions.service.js';
import { SpentRefreshToken } from './spent-refresh-token.entity.js';
import { jwtKey } from './jwt-key.js';

/**
 * Credentials, sessions and access tokens, and the global guard that checks them on every request.
 * Exports `AccessTokens` (the Socket.IO handshake verifies tokens with it) and `SessionsService`
 * (to revoke sessions from elsewhere, e.g. when an admin bans someone). API keys authenticate here too
 * (`ApiKeyAuthenticator`, and the `api_key` table's repository); src/api-keys mints and revokes them.
 */
@Module({
  imports: [
    UsersModule,
    TypeOrmModule.forFeature([Session, SpentRefreshToken, ApiKey]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: jwtKey(config.jwt.secret),
        signOptions: { algorithm: 'HS256', expiresIn: config.jwt.accessTtlSeconds },
        verifyOptions: { algorithms: JWT_ALGORITHMS },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AccessTokens,
    ApiKeyAuthenticator,
    ApiKeysRepository,
    SessionHousekeeping,
    AuthService,
    FirstAdmin,
    LiveSessions,
    LoginAttempts,
    PasswordHasher,
    SessionRepository,
    SessionRevocation,
    SessionsService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessTokens, ApiKeyAuthenticator, ApiKeysRepository, LoginAttempts, PasswordHasher, SessionRevocation, SessionsService],
})
export class AuthModule {}
