import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ArrayUnique } from 'class-validator';
import { EnumField, StringField, UuidArrayField, UuidField } from '../../common/validation/field.decorators.js';
import { ValidationFailed } from '../../common/errors/app.exception.js';
import { createValidationPipe } from '../../common/validation/validation.pipe.js';

export const TITLE_MAX_LENGTH = 100;
/** Members of a group, its creator included. */
export const MAX_GROUP_MEMBERS = 256;

export class CreateDirectConversationDto {
  @EnumField(['direct'] as const)
  type: 'direct';

  @UuidField({ description: 'The other user' })
  userId: string;
}

export class CreateGroupConversationDto {
  @EnumField(['group'] as const)
  type: 'group';

  @StringField({ max: TITLE_MAX_LENGTH, humanText: true })
  title: string;

  @ArrayUnique()
  @UuidArrayField({ required: false, max: MAX_GROUP_MEMBERS - 1, description: 'The other members; the creator becomes the owner' })
  memberIds?: string[];
}

export type CreateConversationDto = CreateDirectConversationDto | CreateGroupConversationDto;

const BODY_BY_TYPE = { direct: CreateDirectConversationDto, group: CreateGroupConversationDto } as const;

/** Validates the body against the class its `type` names, so each kind refuses the other's fields. */
@Injectable()
export class CreateConversationPipe implements PipeTransform {
  private readonly validation = createValidationPipe();

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<CreateConversationDto> {
    const type = (value as { type?: unknown } | null)?.type;
    const metatype = typeof type === 'string' && Object.hasOwn(BODY_BY_TYPE, type) ? BODY_BY_TYPE[type as keyof typeof BODY_BY_TYPE] : undefined;
    if (!metatype) throw new ValidationFailed([{ field: 'type', message: 'type must be one of the following values: direct, group' }]);
    return this.validation.transform(value, { ...metadata, metatype });
  }
}
