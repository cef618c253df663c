import { EventNotReceived, InvalidDecision, OverlapPairNotFound, RecordNotInRegistry } from '../platform-errors';
import { errorBodyOf } from './platform-error.filter';

describe('PlatformErrorFilter', () => {
  it('answers a missing record, pair or event 404 with the words the API always used', () => {
    expect(errorBodyOf(new RecordNotInRegistry('IP-EUR-1'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'initiative IP-EUR-1 is not in the registry',
      details: [],
    });
    expect(errorBodyOf(new OverlapPairNotFound('42')).message).toBe('no overlap pair 42');
    expect(errorBodyOf(new EventNotReceived('/ctp/hubs/eur', 'e-1'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no event e-1 from /ctp/hubs/eur has reached the platform',
      details: [],
    });
  });

  it('answers an invalid decision 400 naming its fields, with the problems', () => {
    const problems = [
      { field: 'decision', rule: 'isIn', message: 'decision must be CONFIRMED or REJECTED' },
      { field: 'note', rule: 'maxLength', message: 'note must be text of at most 2000 characters' },
    ];
    expect(errorBodyOf(new InvalidDecision(problems))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid decision: decision, note',
      details: problems,
    });
  });
});
