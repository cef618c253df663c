import type { OperationsFacts } from '../application/operations-report';
import { toOperationsView } from './operations-view';

describe('GET /console/operations view', () => {
  const now = new Date('2026-03-02T10:00:00.000Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  const facts = (over: Partial<OperationsFacts> = {}): OperationsFacts => ({
    generatedAt: now,
    sources: [
      {
        source: '/ctp/hubs/eur',
        records: { records: 12, lastEventAt: ago(5), lastReportedAt: ago(5), highestVersion: 3 },
        refused: { count: 0 },
        reconciliation: {
          matched: true,
          checkedAt: ago(60),
          checks: 4,
          lastMismatchAt: null,
          lastRepair: null,
          repairedTotal: 0,
        },
      },
    ],
    consumers: [
      { name: 'platform-hubs', pending: 0, ackPending: 0, redelivered: 0 },
      { name: 'platform-partners', pending: 0, ackPending: 0, redelivered: 0 },
    ],
    detection: { queued: 0, oldestQueuedAt: null },
    deadLetters: { count: 0, bySubject: [] },
    deadLetterLatest: [],
    deadLetterReasons: [],
    services: [{ name: 'hub-eur', url: 'http://127.0.0.1:3104', reachable: true, ready: true, outboxBacklog: 0 }],
    problems: [],
    ...over,
  });

  it('is green all over when everything is in sync, with the thresholds it used', () => {
    const v = toOperationsView(facts());
    expect(v.overall).toBe('green');
    expect(v.generatedAt).toBe(now.toISOString());
    expect(v.sources).toEqual([
      {
        source: '/ctp/hubs/eur',
        state: 'MATCHED',
        records: 12,
        lastEventAt: ago(5).toISOString(),
        lastReportedAt: ago(5).toISOString(),
        highestVersion: 3,
        refused: 0,
        lastCheckedAt: ago(60).toISOString(),
        lastMismatchAt: null,
        repairedTotal: 0,
        status: 'green',
      },
    ]);
    expect(v.detection).toEqual({ backlog: 0, status: 'green' });
    expect(v.deadLetters).toMatchObject({
      count: 0,
      status: 'green',
      bySubject: [],
      latest: [],
      reasonsSinceStart: [],
    });
    expect(v.services).toEqual([
      { name: 'hub-eur', url: 'http://127.0.0.1:3104', ready: true, outboxBacklog: 0, status: 'green' },
    ]);
    expect(v.thresholds.consumer.redBacklog).toBe(10_000);
    expect(v).not.toHaveProperty('problems');
  });

  it('is red when a service is unreachable, naming why; amber for a repair under way', () => {
    const v = toOperationsView(
      facts({
        services: [
          {
            name: 'hub-afr',
            url: 'http://127.0.0.1:1',
            reachable: false,
            ready: false,
            error: 'unreachable: ECONNREFUSED',
          },
        ],
        sources: [
          {
            source: '/ctp/hubs/afr',
            refused: { count: 0 },
            reconciliation: {
              matched: false,
              checkedAt: ago(10),
              checks: 1,
              lastMismatchAt: ago(10),
              lastRepair: { at: ago(5).toISOString(), resent: 3 },
              repairedTotal: 3,
            },
          },
        ],
      }),
    );
    expect(v.services[0]).toEqual({
      name: 'hub-afr',
      url: 'http://127.0.0.1:1',
      ready: false,
      status: 'red',
      error: 'unreachable: ECONNREFUSED',
    });
    expect(v.sources[0]).toMatchObject({ state: 'REPAIRING', status: 'amber', records: 0, lastEventAt: null });
    expect(v.overall).toBe('red');
  });

  it('gives detection its age, dead letters their status, and a part that could not be read makes it red', () => {
    const v = toOperationsView(
      facts({
        detection: { queued: 40, oldestQueuedAt: ago(45).toISOString() },
        deadLetters: {
          count: 2,
          lastWrittenAt: ago(7200).toISOString(),
          bySubject: [{ consumer: 'platform-hubs', subject: 'ctp.hub.eur.initiative.reported.v1', count: 2 }],
        },
        problems: ['sources: connection refused'],
        sources: [],
      }),
    );
    expect(v.detection).toEqual({ backlog: 40, oldestQueuedAgeSeconds: 45, status: 'amber' });
    expect(v.deadLetters).toMatchObject({ count: 2, status: 'amber' });
    expect(v.problems).toEqual(['sources: connection refused']);
    expect(v.overall).toBe('red');
  });
});
