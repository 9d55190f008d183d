/**
 * A list as one PostgreSQL array parameter (`?::text[]`, `?::numeric[]`, …):
 * knex spreads a JavaScript array over as many parameters as it has items, so
 * the list goes as the array's text form, every item quoted.
 */
export function arrayParameter(items: readonly (string | Date)[]): string {
  return `{${items.map((item) => `"${(item instanceof Date ? item.toISOString() : item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
