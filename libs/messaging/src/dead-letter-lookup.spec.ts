import { headers as natsHeaders } from '@nats-io/nats-core';
import { deadLetterIdentityOf, storableDetail } from './dead-letter-lookup';

const bytes = (s: string) => new TextEncoder().encode(s);

function hdrs(entries: Record<string, string>) {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(entries)) h.set(k, v);
  return h;
}

describe('deadLetterIdentityOf', () => {
  it('reads a structured message’s envelope first', () => {
    const { identity, payload } = deadLetterIdentityOf(
      bytes(JSON.stringify({ specversion: '0.3', id: 'evt-1', source: '/ctp/hubs/eur', type: 't.v1', data: {} })),
      hdrs({ 'Nats-Msg-Id': 'msg-1', 'Content-Type': 'application/cloudevents+json', 'ce-id': 'other' }),
    );
    expect(identity).toEqual({
      source: '/ctp/hubs/eur',
      eventId: 'evt-1',
      type: 't.v1',
      natsMsgId: 'msg-1',
      redrivenFrom: null,
    });
    expect(payload).toMatchObject({ id: 'evt-1' });
  });

  it('reads a binary-mode message from its ce- headers (any case), as the decoder does, then Nats-Msg-Id', () => {
    expect(
      deadLetterIdentityOf(
        bytes('{"data": 1}'),
        hdrs({ 'CE-ID': 'ce-1', 'ce-source': '/ctp/hubs/afr', 'ce-type': 'x' }),
      ).identity,
    ).toMatchObject({ eventId: 'ce-1', source: '/ctp/hubs/afr', type: 'x', natsMsgId: null });
    // Binary mode: the body is the data; an id in it is not the event's.
    const binary = deadLetterIdentityOf(
      bytes(JSON.stringify({ id: 'data-id', initiativeId: 'IP-HUB-EUR-x', version: 2 })),
      hdrs({ 'Nats-Msg-Id': 'msg-2', 'ce-specversion': '1.0', 'ce-source': '/ctp/hubs/eur', 'ce-type': 't' }),
    );
    expect(binary.identity).toEqual({
      source: '/ctp/hubs/eur',
      eventId: 'msg-2',
      type: 't',
      natsMsgId: 'msg-2',
      redrivenFrom: null,
    });
    // …and the payload a listener gets is the envelope the headers make, the body as its data.
    expect(binary.payload).toEqual({
      specversion: '1.0',
      source: '/ctp/hubs/eur',
      type: 't',
      data: { id: 'data-id', initiativeId: 'IP-HUB-EUR-x', version: 2 },
    });
    // Header values are percent-decoded; one that does not decode is left out.
    expect(
      deadLetterIdentityOf(bytes('{}'), hdrs({ 'ce-id': 'a%20b', 'ce-source': '%C0%A0', 'Nats-Msg-Id': 'm' })).identity,
    ).toMatchObject({ eventId: 'a b', source: null });
    const notJson = deadLetterIdentityOf(bytes('{not json'), hdrs({ 'Nats-Msg-Id': 'poison-1' }));
    expect(notJson.payload).toBeUndefined();
    expect(notJson.identity).toEqual({
      source: null,
      eventId: 'poison-1',
      type: null,
      natsMsgId: 'poison-1',
      redrivenFrom: null,
    });
  });

  it('ignores ce- headers on a structured message, as the decoder does (docs/contract.md): its body alone says', () => {
    // Structured by its Content-Type (any case, with parameters): a body that is not JSON names no source, id or type,
    // whatever ce- headers came with it; the id is then only its Nats-Msg-Id.
    for (const contentType of ['application/cloudevents+json', 'Application/CloudEvents+JSON; charset=utf-8']) {
      const spoof = deadLetterIdentityOf(
        bytes('{not json'),
        hdrs({
          'Content-Type': contentType,
          'ce-specversion': '1.0',
          'ce-source': '/ctp/hubs/eur',
          'ce-id': 'eur-event-1',
          'ce-type': 'ctp.initiative.reported.v1',
          'Nats-Msg-Id': 'afr-msg-1',
        }),
      );
      expect(spoof.identity).toEqual({
        source: null,
        eventId: 'afr-msg-1',
        type: null,
        natsMsgId: 'afr-msg-1',
        redrivenFrom: null,
      });
      expect(spoof.payload).toBeUndefined();
    }
    // A structured envelope without source or id does not borrow them from headers either.
    expect(
      deadLetterIdentityOf(
        bytes(JSON.stringify({ specversion: '1.0', type: 't', data: {} })),
        hdrs({ 'Content-Type': 'application/cloudevents+json', 'ce-source': '/ctp/hubs/eur', 'ce-id': 'x' }),
      ).identity,
    ).toMatchObject({ source: null, eventId: null, type: 't' });
  });

  it('reads ce- headers only in binary mode: ce- headers without a CloudEvents Content-Type, or with a JSON one', () => {
    const headers = { 'ce-source': '/ctp/hubs/eur', 'ce-id': 'eur-event-1', 'Nats-Msg-Id': 'm' };
    // Not JSON, no Content-Type, ce- headers: binary, so the headers are what it claims (the lookup then believes the
    // claim only on the claimed source's own subjects: DeadLetterLookup.lettersOf).
    expect(deadLetterIdentityOf(bytes('{not json'), hdrs(headers)).identity).toMatchObject({
      source: '/ctp/hubs/eur',
      eventId: 'eur-event-1',
    });
    expect(
      deadLetterIdentityOf(bytes('{}'), hdrs({ ...headers, 'Content-Type': 'application/json' })).identity,
    ).toMatchObject({ source: '/ctp/hubs/eur', eventId: 'eur-event-1' });
    // No ce- header at all: structured (how CTP's producers published before they set Content-Type).
    expect(deadLetterIdentityOf(bytes('{not json'), hdrs({ 'Nats-Msg-Id': 'm' })).identity).toMatchObject({
      source: null,
      eventId: 'm',
    });
  });

  it('takes only what PostgreSQL can store and index: no empty, NUL-holding, over-long or non-string values', () => {
    const { identity } = deadLetterIdentityOf(
      bytes(JSON.stringify({ id: 'a\u0000b', source: 'x'.repeat(1001), type: 42 })),
      undefined,
    );
    expect(identity).toEqual({ source: null, eventId: null, type: null, natsMsgId: null, redrivenFrom: null });
    expect(deadLetterIdentityOf(bytes('[1,2]'), hdrs({ 'Nats-Msg-Id': '' })).identity.eventId).toBeNull();
    expect(deadLetterIdentityOf(bytes('null'), undefined).payload).toBeNull();
  });

  it('says which dead letter a re-driven copy came from', () => {
    expect(deadLetterIdentityOf(bytes('{}'), hdrs({ 'Ctp-Redriven-From': '17' })).identity.redrivenFrom).toBe(17);
    expect(deadLetterIdentityOf(bytes('{}'), hdrs({ 'Ctp-Redriven-From': 'x' })).identity.redrivenFrom).toBeNull();
  });
});

describe('storableDetail', () => {
  it('replaces NULs and keeps 1,000 characters', () => {
    expect(storableDetail('a\u0000b')).toBe('a\uFFFDb');
    expect(storableDetail('x'.repeat(2000))).toHaveLength(1000);
    expect(storableDetail(undefined)).toBeNull();
  });
});
