import { StoredMsg } from '@nats-io/jetstream';
import { viewOf } from './dlq';

/** A stored dead letter with `payload` as its data and the usual headers. */
function letter(payload: string): StoredMsg {
  const headers = new Map([['Ctp-Dlq-Reason', ['UNDECODABLE']]]);
  return {
    seq: 7,
    string: () => payload,
    header: { get: (k: string) => headers.get(k)?.[0] ?? '' },
  } as unknown as StoredMsg;
}

describe('dlq viewOf: any payload, since what cannot be read is why it is here', () => {
  it.each(['null', '42', '"text"', '[1,2]', '{"id":5,"type":["x"]}', 'not json', '', '{"id":'])('%s', (payload) => {
    const v = viewOf(letter(payload));
    expect(v).toMatchObject({ seq: 7, reason: 'UNDECODABLE' });
    expect(v).not.toHaveProperty('eventId');
    expect(v).not.toHaveProperty('eventType');
  });

  it('names the event of a readable envelope', () => {
    expect(viewOf(letter('{"id":"e1","type":"ctp.initiative.reported.v1","subject":"IP-HUB-EUR-x"}'))).toMatchObject({
      eventId: 'e1',
      eventType: 'ctp.initiative.reported.v1',
      initiativeId: 'IP-HUB-EUR-x',
    });
  });
});
