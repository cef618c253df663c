import { InitiativeSnapshot, Visibility } from '@ctp/contracts';
import { createLogger, Metrics } from '@ctp/observability';
import type { Transaction, UnitOfWork } from '@ctp/persistence';
import { AuditWrite } from '../domain/audit';
import { AttemptResult, DeliveryAfterAttempt } from '../domain/delivery-policy';
import { FeedEntry } from '../domain/feed-entry';
import { loadOutboundConfig } from '../outbound.config';
import { AuditRepository } from '../persistence/audit.repository';
import { DeliveryRepository, QueueHead } from '../persistence/delivery.repository';
import { RecordVisibilityReader } from '../persistence/record-visibility.reader';
import { WebhookSecrets } from '../../webhooks/webhook-secrets';
import { DeliverWebhooks, WebhookPoster, WebhookRequest } from './deliver-webhooks';

const NOW = Date.parse('2025-01-10T12:00:00Z');

function head(partnerRef: string, overrides: Partial<QueueHead> = {}, entry: Partial<FeedEntry> = {}): QueueHead {
  return {
    id: `d-${partnerRef}`,
    partnerRef,
    seq: 1,
    attempts: 0,
    nextAttemptAt: new Date(NOW - 1),
    webhook: { url: `http://127.0.0.1:9/${partnerRef}`, sealedSecrets: [`sealed:whsec_${partnerRef}`] },
    entry: {
      partnerRef,
      seq: 1,
      kind: 'INITIATIVE',
      initiativeId: 'IP-HUB-AFR-1',
      version: 1,
      payload: { initiativeId: 'IP-HUB-AFR-1', visibility: 'PARTNER_SHAREABLE' } as InitiativeSnapshot,
      createdAt: new Date(NOW - 1000),
      ...entry,
    },
    ...overrides,
  };
}

function setup(
  heads: QueueHead[],
  answer: (r: WebhookRequest) => AttemptResult,
  visibilityNow: Record<string, Visibility> = { 'IP-HUB-AFR-1': 'PARTNER_SHAREABLE' },
) {
  const recorded: { id: string; attempt: number; after: DeliveryAfterAttempt; status?: number; error?: string }[] = [];
  const withheld: string[] = [];
  const audited: AuditWrite[] = [];
  const posted: WebhookRequest[] = [];
  const deliveries = {
    heads: async () => heads,
    recordAttempt: async (
      _tx: Transaction,
      id: string,
      attempt: number,
      after: DeliveryAfterAttempt,
      status?: number,
      error?: string,
    ) => {
      recorded.push({ id, attempt, after, status, error });
      return true;
    },
    withhold: async (_tx: Transaction, id: string) => {
      withheld.push(id);
      return true;
    },
  } as unknown as DeliveryRepository;
  const visibility = {
    visibilityOf: async (ids: string[]) =>
      new Map(ids.flatMap((id) => (visibilityNow[id] ? [[id, visibilityNow[id]] as const] : []))),
  } as unknown as RecordVisibilityReader;
  const secrets = {
    open: (sealed: string) => {
      if (!sealed.startsWith('sealed:')) throw new Error('does not open');
      return sealed.slice('sealed:'.length);
    },
  } as unknown as WebhookSecrets;
  const audit = {
    record: async (_tx: unknown, lines: AuditWrite[]) => void audited.push(...lines),
  } as unknown as AuditRepository;
  const unitOfWork = {
    run: async <T>(work: (tx: Transaction) => Promise<T>) =>
      work({ manager: {} as never, afterCommit: () => undefined }),
  } as unknown as UnitOfWork;
  const poster: WebhookPoster = {
    post: async (r) => {
      posted.push(r);
      return answer(r);
    },
  };
  const config = loadOutboundConfig({ WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '1000' });
  const deliver = new DeliverWebhooks(
    deliveries,
    audit,
    unitOfWork,
    poster,
    visibility,
    secrets,
    config,
    createLogger('test', 'silent'),
    new Metrics('test'),
  );
  return { deliver, recorded, audited, posted, withheld };
}

describe('DeliverWebhooks.round', () => {
  it('attempts only the heads whose time has come, and says when the next one is due', async () => {
    const { deliver, posted } = setup(
      [
        head('PT-A'),
        head('PT-B', { nextAttemptAt: new Date(NOW + 5000) }),
        head('PT-C', { nextAttemptAt: new Date(NOW + 2000) }),
      ],
      () => ({ ok: true, status: 200 }),
    );
    const r = await deliver.round(NOW);
    expect(posted.map((p) => p.deliveryId)).toEqual(['d-PT-A']);
    expect(r).toMatchObject({ attempted: 1, delivered: 1, nextDueInMs: 2000 });
  });

  it('posts the feed item as the body, with the delivery id and attempt number', async () => {
    const { deliver, posted } = setup([head('PT-A', { attempts: 1 })], () => ({ ok: true, status: 204 }));
    await deliver.round(NOW);
    expect(posted[0]).toMatchObject({ deliveryId: 'd-PT-A', attempt: 2, secrets: ['whsec_PT-A'] });
    expect(JSON.parse(posted[0].body)).toEqual({
      seq: 1,
      kind: 'INITIATIVE',
      initiativeId: 'IP-HUB-AFR-1',
      version: 1,
      payload: { initiativeId: 'IP-HUB-AFR-1', visibility: 'PARTNER_SHAREABLE' },
      createdAt: new Date(NOW - 1000).toISOString(),
    });
  });

  it('records each outcome with its audit line: delivered, failed (retry later), dead (last attempt)', async () => {
    const { deliver, recorded, audited } = setup([head('PT-A'), head('PT-B'), head('PT-C', { attempts: 2 })], (r) =>
      r.url.endsWith('PT-A') ? { ok: true, status: 200 } : { ok: false, status: 500, error: 'HTTP 500' },
    );
    const r = await deliver.round(NOW);
    expect(r).toMatchObject({ attempted: 3, delivered: 1, outcomes: ['DELIVERED', 'FAILED', 'DEAD'] });
    // The failed one's retry (1 s ± 10 %) is the next thing due.
    expect(r.nextDueInMs).toBeGreaterThanOrEqual(900);
    expect(r.nextDueInMs).toBeLessThanOrEqual(1100);
    expect(recorded.map((x) => [x.id, x.attempt, x.after.status])).toEqual([
      ['d-PT-A', 1, 'DELIVERED'],
      ['d-PT-B', 1, 'PENDING'],
      ['d-PT-C', 3, 'DEAD'],
    ]);
    expect(audited.map((a) => [a.partnerRef, a.channel, a.action, a.outcome, a.attempt, a.httpStatus])).toEqual([
      ['PT-A', 'WEBHOOK', 'DELIVERY_ATTEMPT', 'DELIVERED', 1, 200],
      ['PT-B', 'WEBHOOK', 'DELIVERY_ATTEMPT', 'FAILED', 1, 500],
      ['PT-C', 'WEBHOOK', 'DELIVERY_ATTEMPT', 'DEAD', 3, 500],
    ]);
    expect(audited[0].entries).toEqual([{ seq: 1, kind: 'INITIATIVE', initiativeId: 'IP-HUB-AFR-1', version: 1 }]);
  });

  it('a network error is a failed attempt, not a crash', async () => {
    const { deliver, recorded } = setup([head('PT-A')], () => {
      throw new Error('socket hang up');
    });
    await deliver.round(NOW);
    expect(recorded[0]).toMatchObject({ after: { status: 'PENDING' }, error: 'socket hang up' });
  });

  it('never posts restricted content, even if it somehow reached a feed', async () => {
    const restricted = head(
      'PT-A',
      {},
      {
        payload: { initiativeId: 'IP-HUB-AFR-1', visibility: 'INTERPOL_RESTRICTED' } as InitiativeSnapshot,
      },
    );
    const { deliver, posted, recorded } = setup([restricted], () => ({ ok: true, status: 200 }));
    await deliver.round(NOW);
    expect(posted).toEqual([]);
    expect(recorded[0].after.status).toBe('PENDING');
    expect(recorded[0].error).toMatch(/not PARTNER_SHAREABLE/);
  });

  it('opens every sealed secret (current, then previous) and signs with both', async () => {
    const h = head('PT-A', {
      webhook: { url: 'http://x/PT-A', sealedSecrets: ['sealed:whsec_new', 'sealed:whsec_old'] },
    });
    const { deliver, posted } = setup([h], () => ({ ok: true, status: 200 }));
    await deliver.round(NOW);
    expect(posted[0].secrets).toEqual(['whsec_new', 'whsec_old']);
  });

  it('a secret that does not open (another key) is a failed attempt, and nothing is posted', async () => {
    const h = head('PT-A', { webhook: { url: 'http://x/PT-A', sealedSecrets: ['garbage'] } });
    const { deliver, posted, recorded } = setup([h], () => ({ ok: true, status: 200 }));
    await deliver.round(NOW);
    expect(posted).toEqual([]);
    expect(recorded[0].error).toMatch(/cannot be decrypted/);
  });

  it('withholds, without posting, a delivery whose record is restricted NOW (it was shareable when queued)', async () => {
    const { deliver, posted, withheld, audited } = setup(
      [head('PT-A'), head('PT-B')],
      () => ({ ok: true, status: 200 }),
      {
        'IP-HUB-AFR-1': 'INTERPOL_RESTRICTED',
      },
    );
    const r = await deliver.round(NOW);
    expect(posted).toEqual([]);
    expect(withheld).toEqual(['d-PT-A', 'd-PT-B']);
    expect(r.outcomes).toEqual(['WITHHELD', 'WITHHELD']);
    expect(audited.map((a) => [a.action, a.outcome])).toEqual([
      ['DELIVERY_WITHHELD', 'WITHHELD'],
      ['DELIVERY_WITHHELD', 'WITHHELD'],
    ]);
  });

  it('withholds a notice naming a record that is restricted now, and sends one naming the partner’s own record', async () => {
    const notice = (otherId: string) => ({
      kind: 'NOTICE' as const,
      initiativeId: 'PT-A-1',
      version: null,
      payload: {
        pairId: '1',
        classification: 'OVERLAP',
        score: 0.7,
        initiativeId: 'PT-A-1',
        other: { initiativeId: otherId, reporter: 'x' },
      } as never,
    });
    const { deliver, posted, withheld } = setup(
      [head('PT-A', {}, notice('IP-HUB-AFR-1')), head('PT-B', {}, notice('PT-B-2'))],
      () => ({ ok: true, status: 200 }),
      { 'IP-HUB-AFR-1': 'INTERPOL_RESTRICTED' },
    );
    await deliver.round(NOW);
    expect(withheld).toEqual(['d-PT-A']);
    expect(posted.map((p) => p.deliveryId)).toEqual(['d-PT-B']);
  });
});
