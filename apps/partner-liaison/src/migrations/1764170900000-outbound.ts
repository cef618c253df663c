import { sqlMigration } from '@ctp/persistence';

/** Outbound to partners: what they may see, their feeds, deliveries and audit. */
export const Outbound1764170900000 = sqlMigration('Outbound1764170900000', {
  up: [
    // What partner-liaison knows of INTERPOL records. Content is kept only of a PARTNER_SHAREABLE version: restricted
    // content never enters this database, so no bug downstream can send it.
    `
      CREATE TABLE liaison_records (
        initiative_id text PRIMARY KEY,
        region        text NOT NULL CHECK (region IN ('AFR', 'MDE', 'ASI', 'EUR')),
        source        text NOT NULL,
        version       int NOT NULL CHECK (version >= 1),
        visibility    text NOT NULL CHECK (visibility IN ('PARTNER_SHAREABLE', 'INTERPOL_RESTRICTED')),
        withdrawn     boolean NOT NULL DEFAULT false,
        status        text,
        snapshot      jsonb CHECK (snapshot IS NULL OR (visibility = 'PARTNER_SHAREABLE'
                                                        AND snapshot ->> 'visibility' = 'PARTNER_SHAREABLE')),
        last_event_id text NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`,
    // Per partner and record: what the partner was last given (content of a version, or a retraction).
    `
      CREATE TABLE partner_shares (
        partner_ref       text NOT NULL,
        initiative_id     text NOT NULL,
        state             text NOT NULL CHECK (state IN ('SHARED', 'RETRACTED')),
        shared_version    int NOT NULL,
        retracted_version int,
        retraction_reason text CHECK (retraction_reason IN ('RESTRICTED', 'WITHDRAWN')),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_ref, initiative_id)
      )`,
    `CREATE INDEX partner_shares_initiative ON partner_shares (initiative_id)`,
    // Each partner's feed: seq 1, 2, 3… per partner (assigned under a lock, so in commit order and without gaps).
    `
      CREATE TABLE partner_feed (
        partner_ref   text NOT NULL,
        seq           bigint NOT NULL CHECK (seq >= 1),
        kind          text NOT NULL CHECK (kind IN ('INITIATIVE', 'RETRACTION', 'NOTICE')),
        initiative_id text NOT NULL,
        version       int,
        payload       jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_ref, seq),
        CONSTRAINT partner_feed_only_shareable_content
          CHECK (kind <> 'INITIATIVE' OR payload ->> 'visibility' = 'PARTNER_SHAREABLE')
      )`,
    `CREATE INDEX partner_feed_initiative ON partner_feed (initiative_id)`,
    // The webhook delivery outbox: one row per feed entry of a partner that has a webhook.
    `
      CREATE TABLE partner_deliveries (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_ref     text NOT NULL,
        seq             bigint NOT NULL,
        status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
        attempts        int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status     int,
        last_error      text,
        delivered_at    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (partner_ref, seq),
        FOREIGN KEY (partner_ref, seq) REFERENCES partner_feed (partner_ref, seq)
      )`,
    `CREATE INDEX partner_deliveries_pending ON partner_deliveries (partner_ref, seq) WHERE status = 'PENDING'`,
    // Notices waiting for the other INTERPOL record of their pair to reach partner-liaison.
    `
      CREATE TABLE pending_notices (
        id          bigserial PRIMARY KEY,
        partner_ref text NOT NULL,
        pair_id     text NOT NULL,
        own_id      text NOT NULL,
        other_id    text NOT NULL,
        change      jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX pending_notices_other ON pending_notices (other_id)`,
    `CREATE INDEX pending_notices_pair ON pending_notices (partner_ref, pair_id)`,
    // What was sent to which partner, when, which version, by which channel. Ids and versions only, never content.
    `
      CREATE TABLE partner_audit (
        id             bigserial PRIMARY KEY,
        at             timestamptz NOT NULL DEFAULT clock_timestamp(),
        partner_ref    text NOT NULL,
        channel        text NOT NULL CHECK (channel IN ('FEED', 'WEBHOOK')),
        action         text NOT NULL,
        outcome        text NOT NULL,
        delivery_id    uuid,
        attempt        int,
        http_status    int,
        error          text,
        entries        jsonb NOT NULL DEFAULT '[]',
        initiative_ids text[] NOT NULL DEFAULT '{}'
      )`,
    `CREATE INDEX partner_audit_partner ON partner_audit (partner_ref, id)`,
    `CREATE INDEX partner_audit_initiatives ON partner_audit USING gin (initiative_ids)`,
  ],
  down: [
    `DROP TABLE partner_audit`,
    `DROP TABLE pending_notices`,
    `DROP TABLE partner_deliveries`,
    `DROP TABLE partner_feed`,
    `DROP TABLE partner_shares`,
    `DROP TABLE liaison_records`,
  ],
});
