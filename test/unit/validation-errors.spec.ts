import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from '../../src/common/validation/validation.pipe.js';

describe('flattenValidationErrors', () => {
  it('gives one detail per broken rule with a dotted path for nested fields', () => {
    const errors: ValidationError[] = [
      { property: 'email', constraints: { isEmail: 'email must be an email' }, children: [] },
      { property: 'role', constraints: { whitelistValidation: 'property role should not exist' }, children: [] },
      {
        property: 'profile',
        children: [{ property: 'name', constraints: { maxLength: 'name is too long', isString: 'name must be a string' }, children: [] }],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'email', message: 'email must be an email' },
      { field: 'role', message: 'role is not an accepted field' },
      { field: 'profile.name', message: 'name is too long' },
      { field: 'profile.name', message: 'name must be a string' },
    ]);
  });
});
