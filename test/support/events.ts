import { randomUUID } from 'node:crypto';
import { CloudEvent, HubRegion, InitiativeEventType, InitiativeSnapshot, Subjects, hubOrgRef } from '@ctp/contracts';

/** A hub's initiative event as it appears on the wire, for tests that play the hub's part. */
export function hubInitiativeEvent(
  region: HubRegion,
  localId: string,
  version: number,
  type: InitiativeEventType = version === 1 ? InitiativeEventType.Reported : InitiativeEventType.Updated,
): { subject: string; event: CloudEvent<InitiativeSnapshot> } {
  const orgRef = hubOrgRef(region);
  const initiativeId = `${orgRef}-${localId}`;
  const time = new Date().toISOString();
  return {
    subject: Subjects.hubInitiative(region, type),
    event: {
      specversion: '1.0',
      id: randomUUID(),
      source: `/ctp/hubs/${region}`,
      type,
      subject: initiativeId,
      time,
      datacontenttype: 'application/json',
      dataschema: 'ctp:initiative:v1',
      correlationid: randomUUID(),
      data: {
        initiativeId,
        reportingOrg: { ref: orgRef, type: 'HUB', secondaryReporter: false },
        version,
        lastUpdatedAt: time,
        kind: 'TRN',
        title: { lang: 'en', text: `Regional training on foreign terrorist fighters ${localId}` },
        actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
        status: 'PIPELINE',
        dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
        scope: 'REGIONAL',
        recipientCountries: ['KE', 'TZ', 'UG'],
        visibility: 'PARTNER_SHAREABLE',
      },
    },
  };
}

/** Wraps any snapshot in the envelope its owner would publish, on the owner's subject. */
export function eventFor(
  snapshot: InitiativeSnapshot,
  type: InitiativeEventType = snapshot.version === 1 ? InitiativeEventType.Reported : InitiativeEventType.Updated,
): { subject: string; event: CloudEvent<InitiativeSnapshot> } {
  const ref = snapshot.reportingOrg.ref;
  const hub = /^IP-HUB-(AFR|MDE|ASI|EUR)$/.exec(ref);
  const source = hub ? `/ctp/hubs/${hub[1].toLowerCase()}` : `/ctp/partner-liaison/${ref.slice(3).toLowerCase()}`;
  const subject = hub
    ? Subjects.hubInitiative(hub[1].toLowerCase() as HubRegion, type)
    : Subjects.partnerInitiative(ref.slice(3), type);
  return {
    subject,
    event: {
      specversion: '1.0',
      id: randomUUID(),
      source,
      type,
      subject: snapshot.initiativeId,
      time: snapshot.lastUpdatedAt,
      datacontenttype: 'application/json',
      dataschema: 'ctp:initiative:v1',
      correlationid: randomUUID(),
      data: snapshot,
    },
  };
}

/** A valid snapshot owned by `ref` (IP-HUB-… or PT-…), to be varied by each test. */
export function snapshotOf(
  ref: string,
  localId: string,
  overrides: Partial<InitiativeSnapshot> = {},
): InitiativeSnapshot {
  const partner = ref.startsWith('PT-');
  return {
    initiativeId: `${ref}-${localId}`,
    reportingOrg: { ref, type: partner ? 'PARTNER' : 'HUB', secondaryReporter: partner },
    version: 1,
    lastUpdatedAt: new Date().toISOString(),
    kind: 'TRN',
    title: { lang: 'en', text: `Course ${localId}` },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    status: 'PIPELINE',
    dates: { plannedStart: '2027-06-01', plannedEnd: '2027-06-03' },
    scope: 'NATIONAL',
    recipientCountries: ['KE'],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}
