import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ctp/auth';
import { CtpLogger, LOGGER } from '@ctp/observability';
import { UnitOfWork } from '@ctp/persistence';
import { WEBHOOK_SECURITY_CONFIG, WebhookSecurityConfig } from '../../config/webhook-security.config';
import { DestinationGuard } from '../../webhooks/destination-guard';
import { generateWebhookSecret, WebhookSecrets } from '../../webhooks/webhook-secrets';
import {
  changedFields,
  newPartner,
  Partner,
  PartnerWebhook,
  rotationRequestProblems,
  samePartner,
  updatedPartner,
  withFreshSecret,
  withRotatedSecret,
} from '../domain/partner';
import {
  MalformedRequest,
  PartnerAlreadyExists,
  PartnerNotFound,
  RuleViolation,
  WebhookNotSet,
} from '../domain/partner-errors';
import { PartnerRepository } from '../persistence/partner.repository';
import { PartnerChanges } from './partner-changes';

/** A change of the registry, and the webhook secret it generated: to be shown once, in this answer only. */
export interface PartnerChange {
  partner: Partner;
  secret?: string;
}

/**
 * Registering partners and changing what may change about them (name, regions, agreement, webhook), each change
 * announced through PartnerChanges with who made it, in its transaction (outbound audits it). Webhook secrets are generated here (never taken from the caller), sealed before they are
 * stored, and handed back once: on registration with a webhook, on a new webhook URL (the old secret never signs for
 * the new URL) and on a rotation (the previous secret keeps signing for the grace period).
 */
@Injectable()
export class PartnerRegistry {
  constructor(
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly unitOfWork: UnitOfWork,
    private readonly partners: PartnerRepository,
    private readonly changes: PartnerChanges,
    private readonly secrets: WebhookSecrets,
    private readonly destinations: DestinationGuard,
    @Inject(WEBHOOK_SECURITY_CONFIG) private readonly config: Pick<WebhookSecurityConfig, 'secretGraceMs'>,
  ) {}

  async register(body: unknown, actor: Actor, now: Date = new Date()): Promise<PartnerChange> {
    const draft = newPartner(body);
    let secret: string | undefined;
    if (draft.webhook) {
      await this.checkDestination(draft.webhook.url);
      secret = generateWebhookSecret();
      draft.webhook = withFreshSecret(draft.webhook, this.secrets.seal(secret, draft.ref), now);
    }
    const stored = await this.unitOfWork.run(async (tx) => {
      const inserted = await this.partners.insert(tx, draft);
      if (!inserted) throw new PartnerAlreadyExists(draft.ref);
      await this.changes.registryChanged(tx, {
        kind: 'PARTNER_REGISTERED',
        partnerRef: inserted.ref,
        by: { sub: actor.sub, org: actor.org },
        regions: inserted.regions,
        webhookUrl: inserted.webhook?.url ?? null,
        secretGenerated: !!secret,
      });
      return inserted;
    });
    this.log.info({
      msg: 'partner registered',
      partner: stored.ref,
      regions: stored.regions,
      webhook: !!stored.webhook,
      sub: actor.sub,
      org: actor.org,
    });
    return { partner: stored, ...(secret ? { secret } : {}) };
  }

  async update(ref: string, body: unknown, actor: Actor, now: Date = new Date()): Promise<PartnerChange> {
    const before = await this.get(ref);
    // Validated and its destination checked before any lock is taken (resolving a name can take seconds).
    const draft = updatedPartner(before, body);
    let checkedUrl: string | undefined;
    if (draft.webhook && !draft.webhook.secrets) {
      await this.checkDestination(draft.webhook.url);
      checkedUrl = draft.webhook.url;
    }
    let secret: string | undefined;
    const result = await this.unitOfWork.run(async (tx) => {
      const current = await this.partners.lock(tx, ref);
      if (!current) throw new PartnerNotFound(ref);
      const next = updatedPartner(current, body);
      if (next.webhook && !next.webhook.secrets) {
        // A new URL (or a webhook that never had a secret): a new secret, and no previous one.
        if (next.webhook.url !== checkedUrl) await this.checkDestination(next.webhook.url);
        secret = generateWebhookSecret();
        next.webhook = withFreshSecret(next.webhook, this.secrets.seal(secret, ref), now);
      }
      if (samePartner(current, next)) return current;
      const stored = await this.partners.update(tx, next);
      const urlChanged = current.webhook?.url !== next.webhook?.url;
      await this.changes.registryChanged(tx, {
        kind: 'PARTNER_UPDATED',
        partnerRef: ref,
        by: { sub: actor.sub, org: actor.org },
        changed: [...changedFields(current, next), ...(secret ? ['webhook.secret'] : [])],
        ...(urlChanged
          ? { webhookUrl: { current: next.webhook?.url ?? null, previous: current.webhook?.url ?? null } }
          : {}),
        secretGenerated: !!secret,
      });
      tx.afterCommit(() =>
        this.log.info({
          msg: 'partner updated',
          partner: ref,
          regions: stored.regions,
          webhook: !!stored.webhook,
          webhookUrlChanged: urlChanged,
          sub: actor.sub,
          org: actor.org,
        }),
      );
      return stored;
    });
    return { partner: result, ...(secret ? { secret } : {}) };
  }

  /** A new secret for the partner's webhook; the one it replaces still signs for WEBHOOK_SECRET_GRACE_MS. */
  async rotateSecret(ref: string, body: unknown, actor: Actor, now: Date = new Date()): Promise<PartnerChange> {
    const problems = rotationRequestProblems(body);
    if (problems.length) throw new MalformedRequest(problems);
    const secret = generateWebhookSecret();
    const stored = await this.unitOfWork.run(async (tx) => {
      const current = await this.partners.lock(tx, ref);
      if (!current) throw new PartnerNotFound(ref);
      if (!current.webhook) throw new WebhookNotSet(ref);
      const webhook: PartnerWebhook = withRotatedSecret(
        current.webhook,
        this.secrets.seal(secret, ref),
        now,
        this.config.secretGraceMs,
      );
      const updated = await this.partners.update(tx, { ...current, webhook });
      await this.changes.registryChanged(tx, {
        kind: 'WEBHOOK_SECRET_ROTATED',
        partnerRef: ref,
        by: { sub: actor.sub, org: actor.org },
        webhookUrl: webhook.url,
        previousSecretValidUntil: webhook.secrets?.previous?.validUntil ?? null,
      });
      return updated;
    });
    this.log.info({
      msg: 'partner webhook secret rotated',
      partner: ref,
      previousSecretValidUntil: stored.webhook?.secrets?.previous?.validUntil ?? null,
      sub: actor.sub,
      org: actor.org,
    });
    return { partner: stored, secret };
  }

  async get(ref: string): Promise<Partner> {
    const partner = await this.partners.findByRef(ref);
    if (!partner) throw new PartnerNotFound(ref);
    return partner;
  }

  async list(): Promise<Partner[]> {
    return this.partners.list();
  }

  /** 422 naming `webhook.url` and the rule, when the URL is not a destination webhooks may go to. */
  private async checkDestination(url: string): Promise<void> {
    const problem = await this.destinations.registrationProblem(url);
    if (problem)
      throw new RuleViolation([{ field: 'webhook.url', rule: problem.rule, message: problem.message }], 'the partner');
  }
}
