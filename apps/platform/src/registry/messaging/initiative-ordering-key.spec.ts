import { InitiativeEventType } from '@ctp/contracts';
import { initiativeOrderingKey } from './initiative-ordering-key';

describe('initiativeOrderingKey', () => {
  const event = (type: string, data: unknown) => ({
    specversion: '1.0' as const,
    id: 'e-1',
    source: '/ctp/hubs/eur',
    type,
    time: '2026-01-01T00:00:00Z',
    datacontenttype: 'application/json' as const,
    data,
  });

  it.each(Object.values(InitiativeEventType))('keys %s by the initiative id in its data', (type) => {
    expect(initiativeOrderingKey(event(type, { initiativeId: 'IP-HUB-EUR-1' }))).toBe('IP-HUB-EUR-1');
  });

  it('gives no key (applied alone) to a digest, or to an initiative event without an initiative id', () => {
    expect(initiativeOrderingKey(event('ctp.sync.digest.v1', { initiativeId: 'IP-HUB-EUR-1' }))).toBeUndefined();
    expect(initiativeOrderingKey(event(InitiativeEventType.Updated, {}))).toBeUndefined();
    expect(initiativeOrderingKey(event(InitiativeEventType.Updated, { initiativeId: 7 }))).toBeUndefined();
    expect(initiativeOrderingKey(event(InitiativeEventType.Updated, undefined))).toBeUndefined();
  });
});
