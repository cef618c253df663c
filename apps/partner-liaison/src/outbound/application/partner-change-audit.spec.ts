import { InitiativeEventType } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import { PartnerChanges } from '../../partners/application/partner-changes';
import { AuditWrite } from '../domain/audit';
import { AuditRepository } from '../persistence/audit.repository';
import { PartnerChangeAudit } from './partner-change-audit';

describe('PartnerChangeAudit', () => {
  const by = { sub: 'alice', org: 'UNODC' };
  const tx = { manager: {}, afterCommit: () => undefined } as unknown as Transaction;

  function subscribed(): { changes: PartnerChanges; written: { tx: Transaction | undefined; lines: AuditWrite[] }[] } {
    const written: { tx: Transaction | undefined; lines: AuditWrite[] }[] = [];
    const audit = {
      record: async (t: Transaction | undefined, lines: AuditWrite[]) => void written.push({ tx: t, lines }),
    };
    const changes = new PartnerChanges();
    new PartnerChangeAudit(changes, audit as unknown as AuditRepository);
    return { changes, written };
  }

  it('writes a registry change as one API line, in the change transaction', async () => {
    const { changes, written } = subscribed();
    await changes.registryChanged(tx, {
      kind: 'PARTNER_UPDATED',
      partnerRef: 'PT-UNODC',
      by,
      changed: ['webhook.url', 'webhook.secret'],
      webhookUrl: { current: 'https://b.example/hook', previous: 'https://a.example/hook' },
      secretGenerated: true,
    });
    await changes.registryChanged(tx, {
      kind: 'WEBHOOK_SECRET_ROTATED',
      partnerRef: 'PT-UNODC',
      by,
      webhookUrl: 'https://b.example/hook',
      previousSecretValidUntil: '2030-01-01T00:00:00.000Z',
    });
    expect(written).toEqual([
      {
        tx,
        lines: [
          {
            partnerRef: 'PT-UNODC',
            channel: 'API',
            action: 'PARTNER_UPDATED',
            outcome: 'UPDATED',
            entries: [],
            actor: by,
            details: {
              changed: ['webhook.url', 'webhook.secret'],
              webhookUrl: 'https://b.example/hook',
              previousWebhookUrl: 'https://a.example/hook',
              secretGenerated: true,
            },
          },
        ],
      },
      {
        tx,
        lines: [
          {
            partnerRef: 'PT-UNODC',
            channel: 'API',
            action: 'WEBHOOK_SECRET_ROTATED',
            outcome: 'ROTATED',
            entries: [],
            actor: by,
            details: { webhookUrl: 'https://b.example/hook', previousSecretValidUntil: '2030-01-01T00:00:00.000Z' },
          },
        ],
      },
    ]);
  });

  it('names an initiative change by its event type, and the line is about that initiative', async () => {
    const { changes, written } = subscribed();
    const change = {
      partnerRef: 'PT-UNODC',
      by,
      initiativeId: 'X-1',
      version: 2,
      via: 'CSV_IMPORT',
      eventId: 'e1',
    } as const;
    await changes.initiativeChanged(tx, { ...change, type: InitiativeEventType.Reported });
    await changes.initiativeChanged(tx, { ...change, type: InitiativeEventType.Updated });
    await changes.initiativeChanged(tx, { ...change, type: InitiativeEventType.Withdrawn });
    expect(written.map((w) => [w.tx, w.lines[0].action, w.lines[0].outcome])).toEqual([
      [tx, 'INITIATIVE_REPORTED', 'CREATED'],
      [tx, 'INITIATIVE_REPORTED', 'UPDATED'],
      [tx, 'INITIATIVE_WITHDRAWN', 'WITHDRAWN'],
    ]);
    expect(written[0].lines[0]).toMatchObject({
      initiativeIds: ['X-1'],
      details: { initiativeId: 'X-1', version: 2, via: 'CSV_IMPORT', eventId: 'e1' },
    });
  });

  it('writes an import as a whole outside any transaction', async () => {
    const { changes, written } = subscribed();
    const counts = { rows: 3, imported: 1, unchanged: 1, rejected: 1, problems: 2 };
    await changes.csvImported({ partnerRef: 'PT-UNODC', by, counts });
    expect(written).toEqual([
      {
        tx: undefined,
        lines: [
          {
            partnerRef: 'PT-UNODC',
            channel: 'API',
            action: 'CSV_IMPORTED',
            outcome: 'IMPORTED',
            entries: [],
            actor: by,
            details: counts,
          },
        ],
      },
    ]);
  });
});
