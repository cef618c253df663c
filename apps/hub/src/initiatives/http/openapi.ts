import { initiativeSchemas, SERVER_MANAGED_FIELD_DOCS } from '@ctp/contracts';

/** A reference to one of the contract's schemas, which bootstrap adds to the OpenAPI document (see main.ts). */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * The body of `PUT /initiatives/:id`: the content (InitiativeContentV1), plus the server-managed fields of the GET
 * representation, each optional and described with its rule, so that what you GET you can PUT back.
 */
export function replaceRequestSchema(): Record<string, unknown> {
  const content = initiativeSchemas().InitiativeContentV1 as { properties?: Record<string, unknown> };
  const d = SERVER_MANAGED_FIELD_DOCS;
  return {
    ...content,
    description:
      'The content as POST takes it (InitiativeContentV1), or the whole representation GET returned: its server-managed fields are ignored when they agree with the path and If-Match, refused with 409/412 naming the field when they do not. Any other field is refused (400).',
    properties: {
      initiativeId: { type: 'string', description: d.initiativeId },
      localId: { type: 'string', description: d.localId },
      reportingOrg: { allOf: [schemaRef('ReportingOrgV1')], description: d.reportingOrg },
      version: { type: 'integer', minimum: 1, description: d.version },
      lastUpdatedAt: { type: 'string', format: 'date-time', description: d.lastUpdatedAt },
      ...content.properties,
      withdrawal: { allOf: [schemaRef('WithdrawalV1')], description: d.withdrawal },
    },
  };
}
