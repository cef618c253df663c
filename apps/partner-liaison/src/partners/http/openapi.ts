import { PARTNER_REGIONS, PARTNER_TYPES } from '../domain/partner';

/* OpenAPI descriptions of this feature's requests and answers (the rules themselves live in domain/). */

export const ERROR_BODY = { $ref: '#/components/schemas/ErrorBody' };

const WEBHOOK = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', format: 'uri', example: 'https://partner.example.org/ctp/webhook' },
    secret: { type: 'string', minLength: 16, description: 'Signs what is sent to the webhook; never shown again' },
  },
};

const EDITABLE = {
  name: { type: 'string', example: 'United Nations Office on Drugs and Crime' },
  regions: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...PARTNER_REGIONS] } },
  agreement: { type: 'string', example: 'MoU 2019-07' },
};

export const PARTNER_REGISTRATION = {
  type: 'object',
  required: ['ref', 'acronym', 'name', 'type', 'regions', 'agreement'],
  properties: {
    ref: { type: 'string', pattern: '^PT-[A-Z0-9]{2,20}$', example: 'PT-UNODC' },
    acronym: { type: 'string', pattern: '^[A-Z0-9]{2,20}$', example: 'UNODC' },
    type: { enum: [...PARTNER_TYPES] },
    ...EDITABLE,
    webhook: { ...WEBHOOK, required: ['url', 'secret'] },
  },
  additionalProperties: false,
};

export const PARTNER_UPDATE = {
  type: 'object',
  required: ['name', 'regions', 'agreement'],
  description:
    'Replaces the editable fields. A webhook left out (or null) is removed; a webhook without a secret keeps the stored secret.',
  properties: { ...EDITABLE, webhook: { ...WEBHOOK, nullable: true } },
  additionalProperties: false,
};

export const PARTNER_VIEW = {
  type: 'object',
  properties: {
    ref: { type: 'string', example: 'PT-UNODC' },
    code: { type: 'string', example: 'unodc', description: 'Lower-case acronym: names the event source and subjects' },
    acronym: { type: 'string' },
    type: { enum: [...PARTNER_TYPES] },
    ...EDITABLE,
    webhook: {
      type: 'object',
      nullable: true,
      properties: { url: { type: 'string' }, secretSet: { type: 'boolean' } },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const PARTNER_INITIATIVE_REQUEST = {
  type: 'object',
  required: [
    'localId',
    'kind',
    'title',
    'actionStreams',
    'status',
    'dates',
    'scope',
    'recipientCountries',
    'visibility',
  ],
  description:
    "The snapshot's content fields, as a hub's POST /initiatives takes them (InitiativeContentV1 of ctp:initiative:v1), plus the partner's own localId ([A-Za-z0-9._-]{1,40}). The id becomes PT-<ACRONYM>-<localId>.",
  example: {
    localId: 'GLO-ACT-2027-04',
    kind: 'TRN',
    title: { lang: 'en', text: 'Regional training on foreign terrorist fighters' },
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
    status: 'PIPELINE',
    dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
    scope: 'REGIONAL',
    recipientCountries: ['FR', 'BE'],
    visibility: 'PARTNER_SHAREABLE',
  },
};

export const INITIATIVE_SNAPSHOT = {
  type: 'object',
  description:
    'A ctp:initiative:v1 snapshot (initiativeId, reportingOrg { ref, type: PARTNER, secondaryReporter: true }, version, lastUpdatedAt and the content)',
};

export const IMPORT_REPORT = {
  type: 'object',
  properties: {
    imported: { type: 'integer', description: 'Rows that created an initiative or a new version' },
    unchanged: { type: 'integer', description: 'Rows equal to what is stored (no version, no event)' },
    rejected: { type: 'integer' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          line: { type: 'integer', description: '1-based line of the file (header and hashtag rows count)' },
          localId: { type: 'string', nullable: true },
          outcome: { enum: ['CREATED', 'UPDATED', 'UNCHANGED', 'REJECTED'] },
          initiativeId: { type: 'string' },
          version: { type: 'integer' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: { type: 'string', example: 'dates.plannedEnd' },
                rule: { type: 'string', example: 'plannedOrder' },
                message: { type: 'string' },
                column: { type: 'string', example: '#date+end' },
              },
            },
          },
        },
      },
    },
    ignoredColumns: { type: 'array', items: { type: 'string' } },
  },
};
