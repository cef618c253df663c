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
