import { combine } from '../../src/database/sql.js';

describe('combine: several statement parts as one statement', () => {
  it('renumbers each part’s parameters after the parts before it, in order', () => {
    const { sql, parameters } = combine(
      [
        { ctes: [['a', 'SELECT $1::int AS x, $2::text AS y']], parameters: [1, 'one'] },
        {
          ctes: [
            ['b', 'UPDATE t SET v = $2 WHERE id = $1 RETURNING id'],
            ['c', 'SELECT $1::uuid FROM b'],
          ],
          parameters: ['id', 'v'],
        },
        { ctes: [['d', 'SELECT $1::int, $10::int']], parameters: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
      ],
      'SELECT 1',
    );
    expect(sql).toBe(
      [
        'WITH a AS (SELECT $1::int AS x, $2::text AS y),',
        'b AS (UPDATE t SET v = $4 WHERE id = $3 RETURNING id),',
        'c AS (SELECT $3::uuid FROM b),',
        'd AS (SELECT $5::int, $14::int)',
        'SELECT 1',
      ].join('\n'),
    );
    expect(parameters).toEqual([1, 'one', 'id', 'v', 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
