import { SyncSql } from './sync-sql';

describe('SyncSql', () => {
  it('restricts the bucket and list queries to the rows the caller names', () => {
    expect(SyncSql.buckets('registry_initiatives', 'source = $1')).toMatch(
      /FROM registry_initiatives WHERE source = \$1 GROUP BY 1 ORDER BY 1$/,
    );
    const list = SyncSql.list('partner_initiatives', 'partner_ref = $1', '$2');
    expect(list).toContain('FROM partner_initiatives');
    expect(list).toContain(`WHERE partner_ref = $1 AND ${SyncSql.bucketOf('initiative_id')} = $2`);
  });
});
