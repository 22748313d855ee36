import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { CreateReportDto } from './dto/create-report.dto.js';
import { ReportListQuery } from './dto/report-list.query.js';
import { ReportDto, ReportPageDto } from './dto/report.dto.js';
import { ResolveReportDto } from './dto/resolve-report.dto.js';
import { ReportsService } from './reports.service.js';

@ApiTags('reports')
@Authenticated()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @ApiOperation({ summary: 'Report a message you can see, or a user, to the admins; one open report per target' })
  @ApiCreatedResponse({ type: ReportDto })
  @ApiErrors({
    400: 'Invalid body, neither or both of `messageId` and `userId`, or your own message or yourself',
    404: 'No such message (or one you cannot see), or no such user',
    409: 'You already have an open report of this target',
    429: 'Over the `reports` rate limit',
  })
  create(@CurrentUser() caller: AuthUser, @Body() dto: CreateReportDto) {
    return this.reports.create(caller, dto);
  }
}

@ApiTags('admin')
@Roles('admin')
@Controller('admin/reports')
export class AdminReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({ summary: 'Reports, newest first, optionally only open or only resolved ones' })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiErrors({ 400: 'Invalid `status`, `limit` or `cursor`' })
  list(@CurrentUser() caller: AuthUser, @Query() query: ReportListQuery) {
    return this.reports.list(caller, query);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve a report: the action, the resolution, its audit rows and the reporter’s `report.resolved` event in one transaction' })
  @ApiOkResponse({ type: ReportDto })
  @ApiErrors({
    400: 'Invalid body, `delete_message` on a user report, or banning yourself',
    404: 'No such report',
    409: 'The report is already resolved',
  })
  resolve(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @Body() dto: ResolveReportDto) {
    return this.reports.resolve(actor, id, dto);
  }
}
