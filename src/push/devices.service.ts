import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { NotFound } from '../common/errors/app.exception.js';
import type { Device } from './device.entity.js';
import { DevicesRepository } from './devices.repository.js';
import type { DeviceDto, DeviceListDto, RegisterDeviceDto } from './dto/device.dto.js';

const toDeviceDto = (device: Device): DeviceDto => ({
  id: device.id,
  platform: device.platform,
  token: device.token,
  appId: device.appId,
  createdAt: device.createdAt.toISOString(),
});

/** Owns push tokens: each user registers, lists and removes their own; nobody sees another's. */
@Injectable()
export class DevicesService {
  constructor(private readonly devices: DevicesRepository) {}

  async register(user: AuthUser, dto: RegisterDeviceDto): Promise<DeviceDto> {
    return toDeviceDto(await this.devices.register(user.id, { platform: dto.platform, token: dto.token, appId: dto.appId ?? null }));
  }

  async list(user: AuthUser): Promise<DeviceListDto> {
    return { items: (await this.devices.listForUser(user.id)).map(toDeviceDto) };
  }

  /** Someone else's device answers 404, as one that does not exist. */
  async remove(user: AuthUser, id: string): Promise<void> {
    if (!(await this.devices.removeOwn(user.id, id))) throw new NotFound('Device');
  }
}
