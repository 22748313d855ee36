import { ApiProperty } from '@nestjs/swagger';
import { EnumField, StringField } from '../../common/validation/field.decorators.js';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../device.entity.js';

export class RegisterDeviceDto {
  @EnumField(DEVICE_PLATFORMS)
  platform: DevicePlatform;

  @StringField({
    max: 4096,
    pattern: /^[\x21-\x7e]+$/,
    description: 'The push token (APNs, FCM or a web push subscription id), printable ASCII',
    example: 'fcm:dQw4w9WgXcQ:APA91bH',
  })
  token: string;

  @StringField({ required: false, max: 255, pattern: /^[\x21-\x7e]+$/, description: 'The app (bundle id) the token belongs to', example: 'com.example.chat' })
  appId?: string;
}

export class DeviceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: DEVICE_PLATFORMS })
  platform: DevicePlatform;

  @ApiProperty()
  token: string;

  @ApiProperty({ type: String, nullable: true })
  appId: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class DeviceListDto {
  @ApiProperty({ type: [DeviceDto] })
  items: DeviceDto[];
}
