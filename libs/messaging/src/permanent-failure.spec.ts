import { isDatabaseUnavailable, PermanentEventError } from './errors';
import { isPermanentFailure, permanentFailureOf, sqlStateOf } from './permanent-failure';

/** What node-postgres throws for a statement the server refused: an Error with the SQLSTATE in `code`. */
function pgError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name: 'error', severity: 'ERROR', code, ...extra });
}

/** What TypeORM makes of it: a QueryFailedError carrying the driver's error (and a copy of its fields). */
function typeormError(driverError: Error): Error {
  return Object.assign(new Error(driverError.message), { name: 'QueryFailedError', driverError });
}

describe('permanentFailureOf', () => {
  it.each([
    ['22008', 'date/time field value out of range: "0000-01-01"'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22001', 'value too long for type character varying(10)'],
    ['22003', 'value "3000000000" is out of range for type integer'],
    ['22P02', 'invalid input syntax for type uuid: "x"'],
    ['22007', 'invalid input syntax for type timestamp with time zone: "yesterday"'],
    ['54000', 'index row size 3016 exceeds btree version 4 maximum 2704 for index "registry_title"'],
  ])('SQLSTATE %s is permanent: the same values fail again', (code, message) => {
    const failure = permanentFailureOf(pgError(code, message));
    expect(failure).toEqual({ reason: `SQLSTATE_${code}`, detail: expect.stringContaining(message), sqlState: code });
    expect(failure!.detail).toMatch(new RegExp(`^SQLSTATE ${code} \\(`));
    expect(isPermanentFailure(pgError(code, message))).toBe(true);
  });

  it('says which SQLSTATE and what the database said, through TypeORM’s QueryFailedError', () => {
    const err = typeormError(pgError('22008', 'date/time field value out of range: "0000-01-01"'));
    expect(permanentFailureOf(err)).toEqual({
      reason: 'SQLSTATE_22008',
      detail: 'SQLSTATE 22008 (data exception): date/time field value out of range: "0000-01-01"',
      sqlState: '22008',
    });
  });

  it('never copies the failing row (the database’s detail) into the reason', () => {
    const err = pgError('22001', 'value too long for type character varying(10)', {
      detail: 'Failing row contains (secret-ish content, -1).',
    });
    const failure = permanentFailureOf(err)!;
    expect(failure.detail).toBe('SQLSTATE 22001 (data exception): value too long for type character varying(10)');
    expect(failure.detail).not.toContain('Failing row');
  });

  it('keeps a PermanentEventError’s own reason and words', () => {
    expect(permanentFailureOf(new PermanentEventError('SCHEMA', 'title: must be a string'))).toEqual({
      reason: 'SCHEMA',
      detail: 'title: must be a string',
    });
  });

  it.each([
    ['unique violation (a race with a concurrent writer)', pgError('23505', 'duplicate key value')],
    ['check violation (may be our deployment)', pgError('23514', 'violates check constraint "version_positive"')],
    ['not-null violation (a column added while old code runs)', pgError('23502', 'null value in column "title"')],
    ['a sequence of ours exhausted', pgError('2200H', 'nextval: reached maximum value of sequence')],
    ['division by zero (a bug)', pgError('22012', 'division by zero')],
    ['foreign-key violation (the parent may commit a moment later)', pgError('23503', 'violates foreign key')],
    ['exclusion violation', pgError('23P01', 'conflicting key value violates exclusion constraint')],
    ['serialization failure', pgError('40001', 'could not serialize access')],
    ['deadlock', pgError('40P01', 'deadlock detected')],
    ['statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['lock not available', pgError('55P03', 'could not obtain lock')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['undefined table (a migration not run)', pgError('42P01', 'relation "registry" does not exist')],
    ['insufficient privilege (a role not granted)', pgError('42501', 'permission denied for table registry')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    [
      'a broken pipe (a five-letter Node code, not a SQLSTATE)',
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
    ],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['an error without a code', new Error('something broke')],
    ['Nest’s RPC error object', { status: 'error', message: 'Internal server error' }],
    ['nothing at all', undefined],
    ['a string', 'boom'],
  ])('%s is transient', (_label, err) => {
    expect(permanentFailureOf(err)).toBeUndefined();
    expect(isPermanentFailure(err)).toBe(false);
  });

  it('does not call a permanent failure "database unavailable", nor the other way round', () => {
    expect(isDatabaseUnavailable(pgError('22008', 'out of range'))).toBe(false);
    expect(isPermanentFailure(pgError('08006', 'connection failure'))).toBe(false);
  });
});

describe('sqlStateOf', () => {
  it('finds the code on the error, its driverError or its cause, and nowhere else', () => {
    expect(sqlStateOf(pgError('22008', 'x'))).toBe('22008');
    expect(sqlStateOf(typeormError(pgError('22021', 'x')))).toBe('22021');
    expect(sqlStateOf(new Error('wrapped', { cause: pgError('54000', 'x') }))).toBe('54000');
    expect(sqlStateOf(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBeUndefined();
    expect(sqlStateOf(null)).toBeUndefined();
  });
});
