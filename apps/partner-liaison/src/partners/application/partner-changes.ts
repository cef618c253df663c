import { Injectable } from '@nestjs/common';
import { InitiativeEventType } from '@ctp/contracts';
import type { Transaction } from '@ctp/persistence';

/** Who made a change: the verified token's `sub` and `org`. */
export interface ChangedBy {
  sub: string;
  org: string;
}

/** A change of the partner registry, made through the API. */
export type RegistryChange =
  | {
      kind: 'PARTNER_REGISTERED';
      partnerRef: string;
      by: ChangedBy;
      regions: string[];
      webhookUrl: string | null;
      secretGenerated: boolean;
    }
  | {
      kind: 'PARTNER_UPDATED';
      partnerRef: string;
      by: ChangedBy;
      /** The fields that changed (`webhook.secret` when a new secret was generated). */
      changed: string[];
      /** Only when the webhook URL changed: the new one and the one it replaced (null for none). */
      webhookUrl?: { current: string | null; previous: string | null };
      secretGenerated: boolean;
    }
  | {
      kind: 'WEBHOOK_SECRET_ROTATED';
      partnerRef: string;
      by: ChangedBy;
      webhookUrl: string;
      previousSecretValidUntil: string | null;
    };

/** How a change of an initiative came in: one JSON request, or a row of a CSV import. */
export type ChangeChannel = 'API' | 'CSV_IMPORT';

/** An accepted change of a partner's initiative, and the event it was published as. */
export interface InitiativeChange {
  partnerRef: string;
  by: ChangedBy;
  type: InitiativeEventType;
  initiativeId: string;
  version: number;
  via: ChangeChannel;
  eventId: string;
}

/** A CSV import as a whole (each of its rows was announced as an InitiativeChange, via CSV_IMPORT). */
export interface CsvImport {
  partnerRef: string;
  by: ChangedBy;
  counts: { rows: number; imported: number; unchanged: number; rejected: number; problems: number };
}

/** A feature that follows what is done to partners (outbound audits it). */
export interface PartnerChangeListener {
  /** In the change's transaction: work that must commit (or not) with it. */
  onRegistryChanged?(tx: Transaction, change: RegistryChange): Promise<void>;
  /** In the change's transaction: work that must commit (or not) with it. */
  onInitiativeChanged?(tx: Transaction, change: InitiativeChange): Promise<void>;
  /** Once the import's rows are done, outside any transaction (each row committed on its own). */
  onCsvImported?(imported: CsvImport): Promise<void>;
}

/**
 * What the partners feature announces it did, the port other features subscribe to: partners knows none of them, and
 * they never drive it. Listeners are called in the order they subscribed, and awaited: a listener's failure fails the
 * change (in a transaction, it rolls back).
 */
@Injectable()
export class PartnerChanges {
  private readonly listeners: PartnerChangeListener[] = [];

  subscribe(listener: PartnerChangeListener): void {
    this.listeners.push(listener);
  }

  async registryChanged(tx: Transaction, change: RegistryChange): Promise<void> {
    for (const listener of this.listeners) await listener.onRegistryChanged?.(tx, change);
  }

  async initiativeChanged(tx: Transaction, change: InitiativeChange): Promise<void> {
    for (const listener of this.listeners) await listener.onInitiativeChanged?.(tx, change);
  }

  async csvImported(imported: CsvImport): Promise<void> {
    for (const listener of this.listeners) await listener.onCsvImported?.(imported);
  }
}
