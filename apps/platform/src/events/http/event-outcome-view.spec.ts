import { DeadLetterEntry, InboxRecord } from '@ctp/messaging';
import { subjectPrefixOfSource } from '../domain/event-fate';
import { toEventOutcomeView } from './event-outcome-view';

const SOURCE = '/ctp/hubs/eur';

function letter(o: Partial<DeadLetterEntry> = {}): DeadLetterEntry {
  return {
    consumer: 'platform-hubs',
    stream: 'CTP_EVENTS',
    streamSeq: 12,
    subject: 'ctp.hub.eur.initiative.reported.v1',
    source: SOURCE,
    eventId: 'evt-1',
    type: 'ctp.initiative.reported.v1',
    natsMsgId: 'evt-1',
    redrivenFrom: null,
    reason: 'INVALID_ENVELOPE',
    detail: 'specversion must be "1.0", got "0.3"',
    deliveryCount: 1,
    dlqStream: 'CTP_DEAD_LETTERS',
    dlqSeq: 3,
    deadLetteredAt: new Date('2026-05-01T10:00:00Z'),
    ...o,
  };
}

const applied: InboxRecord = {
  consumer: 'platform-hubs',
  source: SOURCE,
  eventId: 'evt-1',
  type: 'ctp.initiative.reported.v1',
  subject: 'ctp.hub.eur.initiative.reported.v1',
  streamSeq: 20,
  outcome: 'APPLIED',
  reason: null,
  detail: null,
  receivedAt: new Date('2026-05-01T11:00:00Z'),
  decidedAt: new Date('2026-05-01T11:00:01Z'),
};

describe('toEventOutcomeView', () => {
  it('shows a dead-lettered event with its reason, detail, when, where, and the redrive command', () => {
    expect(toEventOutcomeView(SOURCE, 'evt-1', { outcome: undefined, deadLetters: [letter()] })).toEqual({
      source: SOURCE,
      id: 'evt-1',
      type: 'ctp.initiative.reported.v1',
      subject: 'ctp.hub.eur.initiative.reported.v1',
      consumer: 'platform-hubs',
      streamSeq: 12,
      outcome: 'DEAD_LETTERED',
      reason: 'INVALID_ENVELOPE',
      detail: 'specversion must be "1.0", got "0.3"',
      receivedAt: '2026-05-01T10:00:00.000Z',
      decidedAt: '2026-05-01T10:00:00.000Z',
      redrive: 'npm run dlq -- redrive 3',
      deadLetters: [
        {
          consumer: 'platform-hubs',
          reason: 'INVALID_ENVELOPE',
          detail: 'specversion must be "1.0", got "0.3"',
          at: '2026-05-01T10:00:00.000Z',
          subject: 'ctp.hub.eur.initiative.reported.v1',
          stream: 'CTP_EVENTS',
          streamSeq: 12,
          deliveryCount: 1,
          deadLetterStream: 'CTP_DEAD_LETTERS',
          deadLetterSeq: 3,
          redrivenFrom: null,
          redrive: 'npm run dlq -- redrive 3',
          inspect: 'npm run dlq -- show 3',
        },
      ],
    });
  });

  it('answers with the id and source asked for when the message named neither (identified by its Nats-Msg-Id)', () => {
    const v = toEventOutcomeView(SOURCE, 'poison-1', {
      outcome: undefined,
      deadLetters: [letter({ source: null, eventId: 'poison-1', type: null, reason: 'UNDECODABLE' })],
    });
    expect(v).toMatchObject({ source: SOURCE, id: 'poison-1', type: null, outcome: 'DEAD_LETTERED' });
  });

  it('offers only the last dead letter for re-driving: an earlier one was re-driven into it', () => {
    const v = toEventOutcomeView(SOURCE, 'evt-1', {
      outcome: undefined,
      deadLetters: [
        letter(),
        letter({
          streamSeq: 30,
          dlqSeq: 8,
          redrivenFrom: 3,
          reason: 'SQLSTATE_22001',
          detail: 'SQLSTATE 22001 (data exception): value too long',
          deadLetteredAt: new Date('2026-05-01T12:00:00Z'),
        }),
      ],
    });
    expect(v).toMatchObject({ outcome: 'DEAD_LETTERED', reason: 'SQLSTATE_22001', streamSeq: 30 });
    expect(v.redrive).toBe('npm run dlq -- redrive 8');
    expect(v.deadLetters.map((d) => [d.deadLetterSeq, d.redrive, d.inspect])).toEqual([
      [3, null, null],
      [8, 'npm run dlq -- redrive 8', 'npm run dlq -- show 8'],
    ]);
  });

  it('shows the outcome of an event applied after it was dead-lettered, with its dead letters as history', () => {
    const v = toEventOutcomeView(SOURCE, 'evt-1', { outcome: applied, deadLetters: [letter()] });
    expect(v).toMatchObject({
      outcome: 'APPLIED',
      streamSeq: 20,
      redrive: null,
      decidedAt: '2026-05-01T11:00:01.000Z',
    });
    expect(v.deadLetters).toEqual([expect.objectContaining({ deadLetterSeq: 3, redrive: null, inspect: null })]);
  });

  it('shows an applied event as before, with no dead letters', () => {
    expect(toEventOutcomeView(SOURCE, 'evt-1', { outcome: applied, deadLetters: [] })).toEqual({
      source: SOURCE,
      id: 'evt-1',
      type: 'ctp.initiative.reported.v1',
      subject: 'ctp.hub.eur.initiative.reported.v1',
      consumer: 'platform-hubs',
      streamSeq: 20,
      outcome: 'APPLIED',
      reason: null,
      detail: null,
      receivedAt: '2026-05-01T11:00:00.000Z',
      decidedAt: '2026-05-01T11:00:01.000Z',
      redrive: null,
      deadLetters: [],
    });
  });

  it('names no command when the broker did not say where the copy went', () => {
    const v = toEventOutcomeView(SOURCE, 'evt-1', { outcome: undefined, deadLetters: [letter({ dlqSeq: null })] });
    expect(v.redrive).toBeNull();
    expect(v.deadLetters[0]).toMatchObject({ deadLetterSeq: null, redrive: null, inspect: null });
  });
});

describe('subjectPrefixOfSource', () => {
  it('gives the subjects only that source may publish on', () => {
    expect(subjectPrefixOfSource('/ctp/hubs/eur')).toBe('ctp.hub.eur.');
    expect(subjectPrefixOfSource('/ctp/partner-liaison/unodc')).toBe('ctp.partner.unodc.');
    expect(subjectPrefixOfSource('/ctp/platform')).toBe('ctp.platform.');
    expect(subjectPrefixOfSource('/ctp/hubs/nowhere')).toBeUndefined();
    expect(subjectPrefixOfSource('ctp.hub.eur')).toBeUndefined();
  });
});
