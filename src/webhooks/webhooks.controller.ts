import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.types.js';
import { CurrentActor } from '../audit/current-actor.decorator.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { CurrentUser, Roles } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { PageQuery } from '../common/pagination/page-query.dto.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { CreateWebhookDto, ReplayWebhookDto, UpdateWebhookDto, WebhookDeliveryPageDto, WebhookDto, WebhookPageDto } from './dto/webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to durable events (signed, at least once, in order per conversation); the answer carries the secret, once' })
  @ApiCreatedResponse({ type: WebhookDto })
  @ApiErrors({ 400: 'Invalid body: not an http(s) URL, an unknown event type, a short secret' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Webhooks, newest first (without their secrets)' })
  @ApiOkResponse({ type: WebhookPageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`' })
  list(@CurrentUser() caller: AuthUser, @Query() query: PageQuery) {
    return this.webhooks.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors({ 400: 'A malformed id', 404: 'No such webhook' })
  get(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string) {
    return this.webhooks.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a webhook: URL, events, filter, secret (rotation), or disable / re-enable it' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors({ 400: 'Invalid body', 404: 'No such webhook' })
  update(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @Body() dto: UpdateWebhookDto) {
    return this.webhooks.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its delivery log; nothing more is sent to it' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'A malformed id', 404: 'No such webhook' })
  async remove(@CurrentActor() actor: Actor, @UuidParam('id') id: string) {
    await this.webhooks.remove(actor, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The attempt log: one row per event sent to the webhook, newest first' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiErrors({ 400: 'Invalid `limit` or `cursor`', 404: 'No such webhook' })
  deliveries(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string, @Query() query: PageQuery) {
    return this.webhooks.listDeliveries(caller, id, query);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver again every matching event after `fromCursor` (new deliveries, the same event ids)' })
  @ApiAcceptedResponse({ description: 'The replay is under way' })
  @ApiErrors({ 400: 'Not a cursor of this server, older than the log keeps, or ahead of what the webhook was sent', 404: 'No such webhook' })
  async replay(@CurrentActor() actor: Actor, @UuidParam('id') id: string, @Body() dto: ReplayWebhookDto) {
    await this.webhooks.replay(actor, id, dto);
  }
}
