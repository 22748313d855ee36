import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { AuditService } from './audit.service.js';
import { AuditQuery } from './dto/audit.query.js';
import { AuditPageDto } from './dto/audit-entry.dto.js';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit log of admin and moderator actions, newest first, filtered by actor, target or type' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors({ 400: 'Invalid filter, `limit` or `cursor`' })
  list(@CurrentUser() caller: AuthUser, @Query() query: AuditQuery) {
    return this.audit.list(caller, query);
  }
}
