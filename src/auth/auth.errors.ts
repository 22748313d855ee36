import { Forbidden, Unauthorized } from '../common/errors/app.exception.js';

/** Wrong email or wrong password: one answer for both, so emails can't be probed. */
export class InvalidCredentials extends Unauthorized {
  constructor() {
    super('The email or password is not correct', 'INVALID_CREDENTIALS');
  }
}

export class TokenReused extends Unauthorized {
  constructor() {
    super('This refresh token was already used; the session has been revoked, sign in again', 'TOKEN_REUSED');
  }
}

export class InvalidRefreshToken extends Unauthorized {
  constructor() {
    super('The refresh token is invalid, expired or revoked; sign in again');
  }
}

export class UserBanned extends Forbidden {
  constructor() {
    super('This account is banned', 'USER_BANNED');
  }
}
