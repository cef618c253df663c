/** A reference to one of the contract's schemas, which bootstrap adds to the OpenAPI document (see main.ts). */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}
