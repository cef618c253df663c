import { Injectable } from '@nestjs/common';
import { InitiativeEventType } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';
import {
  CsvImport,
  InitiativeChange,
  PartnerChangeListener,
  PartnerChanges,
  RegistryChange,
} from '../../partners/application/partner-changes';
import { AuditWrite } from '../domain/audit';
import { AuditRepository } from '../persistence/audit.repository';

/**
 * Every change made to partners through the API, audited (channel API) next to what was sent, with who made it: in
 * the change's own transaction, so that a change is never stored without its line (nor a line without its change).
 */
@Injectable()
export class PartnerChangeAudit implements PartnerChangeListener {
  constructor(
    changes: PartnerChanges,
    private readonly audit: AuditRepository,
  ) {
    changes.subscribe(this);
  }

  async onRegistryChanged(tx: Transaction, change: RegistryChange): Promise<void> {
    await this.audit.record(tx, [registryLine(change)]);
  }

  async onInitiativeChanged(tx: Transaction, change: InitiativeChange): Promise<void> {
    const withdrawn = change.type === InitiativeEventType.Withdrawn;
    await this.audit.record(tx, [
      {
        partnerRef: change.partnerRef,
        channel: 'API',
        action: withdrawn ? 'INITIATIVE_WITHDRAWN' : 'INITIATIVE_REPORTED',
        outcome: withdrawn ? 'WITHDRAWN' : change.type === InitiativeEventType.Reported ? 'CREATED' : 'UPDATED',
        entries: [],
        initiativeIds: [change.initiativeId],
        actor: { sub: change.by.sub, org: change.by.org },
        details: {
          initiativeId: change.initiativeId,
          version: change.version,
          via: change.via,
          eventId: change.eventId,
        },
      },
    ]);
  }

  async onCsvImported(imported: CsvImport): Promise<void> {
    // Outside any transaction: each row committed on its own (and has its own INITIATIVE_REPORTED line).
    await this.audit.record(undefined, [
      {
        partnerRef: imported.partnerRef,
        channel: 'API',
        action: 'CSV_IMPORTED',
        outcome: 'IMPORTED',
        entries: [],
        actor: { sub: imported.by.sub, org: imported.by.org },
        details: imported.counts,
      },
    ]);
  }
}

function registryLine(change: RegistryChange): AuditWrite {
  switch (change.kind) {
    case 'PARTNER_REGISTERED':
      return apiLine(change, 'REGISTERED', {
        regions: change.regions,
        webhookUrl: change.webhookUrl,
        secretGenerated: change.secretGenerated,
      });
    case 'PARTNER_UPDATED':
      return apiLine(change, 'UPDATED', {
        changed: change.changed,
        ...(change.webhookUrl
          ? { webhookUrl: change.webhookUrl.current, previousWebhookUrl: change.webhookUrl.previous }
          : {}),
        secretGenerated: change.secretGenerated,
      });
    case 'WEBHOOK_SECRET_ROTATED':
      return apiLine(change, 'ROTATED', {
        webhookUrl: change.webhookUrl,
        previousSecretValidUntil: change.previousSecretValidUntil,
      });
  }
}

function apiLine(change: RegistryChange, outcome: AuditWrite['outcome'], details: Record<string, unknown>): AuditWrite {
  return {
    partnerRef: change.partnerRef,
    channel: 'API',
    action: change.kind,
    outcome,
    entries: [],
    actor: { sub: change.by.sub, org: change.by.org },
    details,
  };
}
