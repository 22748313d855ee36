import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user.js';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators.js';
import { ApiErrors } from '../common/errors/api-error-responses.js';
import { UuidParam } from '../common/validation/uuid-param.js';
import { DevicesService } from './devices.service.js';
import { DeviceDto, DeviceListDto, RegisterDeviceDto } from './dto/device.dto.js';

@ApiTags('users')
@Authenticated()
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @ApiOperation({ summary: 'Register a push token of one of your devices (again: it moves to you, nothing duplicated)' })
  @ApiCreatedResponse({ type: DeviceDto })
  @ApiErrors({ 400: 'Invalid body' })
  register(@CurrentUser() user: AuthUser, @Body() dto: RegisterDeviceDto) {
    return this.devices.register(user, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Your registered devices' })
  @ApiOkResponse({ type: DeviceListDto })
  list(@CurrentUser() user: AuthUser) {
    return this.devices.list(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one of your devices: no more pushes to it' })
  @ApiNoContentResponse()
  @ApiErrors({ 400: 'A malformed id', 404: 'No such device of yours' })
  async remove(@CurrentUser() user: AuthUser, @UuidParam('id') id: string) {
    await this.devices.remove(user, id);
  }
}
