import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { AuthRateLimit } from '../common/rate-limits/rate-limit.decorators.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { AuthService } from './auth.service.js';
import { Client } from './client-info.js';
import { AuthResultDto } from './dto/auth-result.dto.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { SessionDto } from './dto/session.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import type { ClientInfo } from './session.repository.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('signup')
  @Public()
  @AuthRateLimit()
  @ApiOperation({ summary: 'Create an account and sign in' })
  @ApiCreatedResponse({ type: AuthResultDto })
  @ApiErrors({ 400: 'Invalid body', 409: 'Email or username taken', 429: 'Too many attempts from this address' })
  signup(@Body() dto: SignupDto, @Client() client: ClientInfo) {
    return this.auth.signup(dto, client);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password; opens a new session' })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiErrors({
    400: 'Invalid body',
    401: '`INVALID_CREDENTIALS`: wrong email or password (the same answer for both)',
    403: '`USER_BANNED`',
    429: 'Too many attempts from this address, or this address must wait after failed logins to this account (`retry-after`; other addresses are not affected)',
  })
  login(@Body() dto: LoginDto, @Client() client: ClientInfo) {
    return this.auth.login(dto, client);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new access token and a new refresh token' })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiErrors({
    400: 'Invalid body',
    401: 'Unknown, expired or revoked refresh token; `TOKEN_REUSED` when it was already spent (the session is then revoked)',
    403: '`USER_BANNED`',
    429: 'Too many attempts from this address',
  })
  refresh(@Body() dto: RefreshDto, @Client() client: ClientInfo) {
    return this.auth.refresh(dto.refreshToken, client);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke the caller's session: its refresh and access tokens stop working, its sockets are disconnected" })
  @ApiNoContentResponse()
  logout(@CurrentUser() user: AuthUser) {
    return this.sessions.logout(user);
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({ summary: "The caller's live sessions, the most recently used first" })
  @ApiOkResponse({ type: [SessionDto] })
  listSessions(@CurrentUser() user: AuthUser) {
    return this.sessions.list(user);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke one of the caller's sessions" })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'Not a UUID', 404: 'No such live session of the caller' })
  revokeSession(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    return this.sessions.revoke(user, id);
  }

  @Post('password')
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the password; every other session of the user is revoked' })
  @ApiNoContentResponse()
  @ApiErrors({
    400: 'Invalid body, or `currentPassword` is wrong',
    429: 'Too many attempts from this address, or this address must wait after wrong current passwords (`retry-after`)',
  })
  changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto, @Client() client: ClientInfo) {
    return this.auth.changePassword(user, dto, client);
  }
}
