import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { humanTextProblem } from './human-text.js';

/** The example of every UUID in the document (path ids, body ids) unless a field gives its own. */
export const UUID_EXAMPLE = '3f8a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718';

/**
 * Validation and OpenAPI from one declaration, so the document cannot drift from what is enforced.
 * `required: false` makes a field optional; `nullable: true` also accepts an explicit null.
 */
interface FieldOptions {
  required?: boolean;
  nullable?: boolean;
  description?: string;
  example?: unknown;
}

function presence({ required = true, nullable = false }: FieldOptions) {
  if (nullable) return [ValidateIf((_object: object, value: unknown) => value !== null && (required || value !== undefined))];
  return required ? [] : [IsOptional()];
}

function documented(options: FieldOptions, schema: Record<string, unknown>) {
  const decorator = options.required === false ? ApiPropertyOptional : ApiProperty;
  return decorator({ description: options.description, example: options.example, nullable: options.nullable, ...schema });
}

/** Text people see as a name or a description of someone (see `humanTextProblem`). */
function IsHumanText() {
  return ValidateBy({
    name: 'isHumanText',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || humanTextProblem(value) === null,
      defaultMessage: (args) => `${args?.property} ${humanTextProblem(String(args?.value ?? ''))}`,
    },
  });
}

const HUMAN_TEXT_RULE = 'No control, bidirectional or invisible formatting characters, and at least one visible character.';

/**
 * A string, trimmed unless `trim: false`. `humanText: true` for names and descriptions shown to other
 * people: display names, status texts, titles.
 */
export function StringField(options: FieldOptions & { min?: number; max: number; pattern?: RegExp; trim?: boolean; humanText?: boolean }) {
  const { min = 1, max, pattern, trim = true, humanText = false } = options;
  const description = humanText ? [options.description, HUMAN_TEXT_RULE].filter(Boolean).join('. ') : options.description;
  return applyDecorators(
    ...presence(options),
    ...(trim ? [Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))] : []),
    IsString(),
    MinLength(min),
    MaxLength(max),
    ...(pattern ? [Matches(pattern)] : []),
    ...(humanText ? [IsHumanText()] : []),
    documented({ ...options, description }, { type: String, minLength: min, maxLength: max, ...(pattern ? { pattern: pattern.source } : {}) }),
  );
}

export function UuidField(options: FieldOptions = {}) {
  return applyDecorators(...presence(options), IsUUID('all'), documented({ example: UUID_EXAMPLE, ...options }, { type: String, format: 'uuid' }));
}

export function UuidArrayField(options: FieldOptions & { min?: number; max: number }) {
  const { min = 0, max } = options;
  return applyDecorators(
    ...presence(options),
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    IsUUID('all', { each: true }),
    documented({ example: [UUID_EXAMPLE], ...options }, { type: String, format: 'uuid', isArray: true, minItems: min, maxItems: max }),
  );
}

/**
 * An integer, never beyond ±2^53 - 1 even without a `max`: JavaScript calls `1e308` an integer, and the
 * database would refuse it as a bigint out of range (a 500) where the client deserves a 400.
 */
export function IntField(options: FieldOptions & { min?: number; max?: number; fromQuery?: boolean }) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, fromQuery } = options;
  return applyDecorators(
    ...presence(options),
    ...(fromQuery ? [Type(() => Number)] : []),
    IsInt(),
    Min(min),
    Max(max),
    documented({ example: Math.max(min, Math.min(max, 1)), ...options }, { type: 'integer', minimum: min, maximum: max }),
  );
}

export function BooleanField(options: FieldOptions = {}) {
  return applyDecorators(...presence(options), IsBoolean(), documented({ example: true, ...options }, { type: Boolean }));
}

export function EnumField<T extends string>(values: readonly T[], options: FieldOptions = {}) {
  return applyDecorators(...presence(options), IsIn(values), documented({ example: values[0], ...options }, { enum: values, type: String }));
}

/** An email address, trimmed and lower-cased: emails are compared case-insensitively everywhere. */
export function EmailField(options: FieldOptions = {}) {
  return applyDecorators(
    ...presence(options),
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
    documented({ example: 'ada@example.com', ...options }, { type: String, format: 'email', maxLength: 254 }),
  );
}
