import { InitiativeRuleViolation, MalformedInitiative, VersionMismatch } from '../domain/initiative-errors';
import { intakeFailureOf, rejectionReasonOf } from './intake-errors';

const pg = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('intakeFailureOf', () => {
  it('refuses a domain error with its own status and details', () => {
    const err = new MalformedInitiative([{ field: 'localId', rule: 'isDefined', message: 'localId is required' }]);
    expect(intakeFailureOf(err)).toEqual({
      kind: 'refused',
      body: expect.objectContaining({ statusCode: 400, details: err.details }),
    });
    expect(intakeFailureOf(new VersionMismatch('IP-HUB-EUR-x', 3, 2)).body.statusCode).toBe(412);
  });

  it.each([
    ['22008', 'date/time field value out of range: "0000-01-01"'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22001', 'value too long for type character varying(200)'],
  ])('refuses with 422, naming SQLSTATE %s, what the database can never store', (code, message) => {
    const failure = intakeFailureOf(Object.assign(new Error(message), { driverError: pg(code, message) }));
    expect(failure.kind).toBe('refused');
    expect(failure.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: expect.stringContaining(`SQLSTATE ${code}`),
      details: [{ field: 'body', rule: 'storable', message: expect.stringContaining(message) }],
    });
  });

  it.each([
    ['the pool timing out', new Error('timeout exceeded when trying to connect')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a serialization failure', pg('40001', 'could not serialize access')],
    ['a deadlock', pg('40P01', 'deadlock detected')],
    ['a unique violation from a concurrent writer', pg('23505', 'duplicate key value')],
    ['too many connections', pg('53300', 'sorry, too many clients already')],
  ])('answers 503 (retry) for %s', (_label, err) => {
    const failure = intakeFailureOf(err);
    expect(failure.kind).toBe('retry');
    expect(failure.body.statusCode).toBe(503);
  });

  it('answers 500 for a bug: neither the sender’s fault nor a reason to retry', () => {
    const failure = intakeFailureOf(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(failure).toEqual({
      kind: 'internal',
      body: expect.objectContaining({ statusCode: 500, message: 'internal error' }),
    });
  });
});

describe('rejectionReasonOf', () => {
  it('says the status, what and each field’s problem on one bounded line', () => {
    const err = new InitiativeRuleViolation([
      { field: 'dates.plannedEnd', rule: 'plannedOrder', message: 'plannedEnd is before plannedStart' },
    ]);
    expect(rejectionReasonOf(err, intakeFailureOf(err))).toBe(
      '422 RulesBroken: dates.plannedEnd: plannedEnd is before plannedStart',
    );
    const storage = pg('22008', 'date/time field value out of range: "0000-01-01"');
    expect(rejectionReasonOf(storage, intakeFailureOf(storage))).toBe(
      '422 NotStorable: body: SQLSTATE 22008 (data exception): date/time field value out of range: "0000-01-01"',
    );
    const long = new MalformedInitiative([{ field: 'title', rule: 'x', message: 'y'.repeat(5000) }]);
    expect(rejectionReasonOf(long, intakeFailureOf(long))).toHaveLength(1000);
  });
});
