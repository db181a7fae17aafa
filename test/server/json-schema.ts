// Checks a value against the subset of JSON Schema that the OpenAPI document uses (type,
// properties, required, items, enum, const, anyOf/oneOf, $ref to components): enough for
// the contract tests to hold every answer to the schema the document promises.

type Schema = Record<string, unknown>;

export function schemaErrors(value: unknown, schema: Schema, components: Record<string, Schema>, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return schemaErrors(value, components[schema.$ref.replace('#/components/schemas/', '')]!, components, at);
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alts) return alts.some((s) => schemaErrors(value, s, components, at).length === 0) ? [] : [`${at}: matches none of the alternatives`];
  const errors: string[] = [];
  if ('const' in schema && value !== schema.const) errors.push(`${at}: is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (types.length > 0 && !types.some((t) => t === kind || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && kind === 'number'))) return [`${at}: is ${kind}, not ${types.join('|')}`];
  if (kind === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in obj)) errors.push(`${at}.${key}: is missing`);
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, sub] of Object.entries(props)) if (key in obj && obj[key] !== undefined) errors.push(...schemaErrors(obj[key], sub, components, `${at}.${key}`));
  }
  if (kind === 'array' && schema.items) (value as unknown[]).forEach((v, i) => errors.push(...schemaErrors(v, schema.items as Schema, components, `${at}[${i}]`)));
  return errors;
}
