import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/config.module.js';
import { AccessTokens, JWT_ALGORITHMS } from './access-tokens.js';
import { jwtKey } from './jwt-key.js';

export const JWT_STRATEGY = 'jwt';

/** `Authorization: Bearer <jwt>`, HS256 only, then the payload and revocation checks of `AccessTokens`. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @InjectConfig() config: AppConfig,
    private readonly tokens: AccessTokens,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt's types say string or Buffer; it hands the key to jsonwebtoken, which takes a KeyObject.
      secretOrKey: jwtKey(config.jwt.secret) as unknown as Buffer,
      algorithms: JWT_ALGORITHMS,
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Promise<AuthUser> {
    return this.tokens.accept(payload);
  }
}
