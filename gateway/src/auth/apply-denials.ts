import { GraphQLFormattedError } from 'graphql';
import { Denial, PathStep, PLACEHOLDER_KEY } from './authorize-operation';
import { KeyOrder } from './key-order';
import { onePerPath } from './one-error-per-path';

type Json = null | string | number | boolean | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/**
 * Puts the denied fields back into the result as null, each with its error at
 * its concrete path, and lets nulls bubble up through non-null fields exactly
 * as GraphQL execution would have. The result's keys come in `keyOrder`, the
 * order the operation asked for them.
 */
export function applyDenials(
  data: Record<string, Json> | null | undefined,
  denials: Denial[],
  keyOrder: KeyOrder,
): { data: Record<string, Json> | null; errors: GraphQLFormattedError[] } {
  const errors: GraphQLFormattedError[] = [];
  if (data === undefined) return { data: null, errors };
  if (data === null) {
    // Another field's error nulled the whole answer (a non-null root field failed). Execution reaches every
    // root field whatever the others do, so a denied one still says so; a deeper one is not placed: whether
    // its parent was null, or a list of how many, is gone with the data.
    for (const denial of denials) if (denial.path.length === 1) errors.push({ message: denial.message, path: [denial.path[0]!.key], extensions: { code: denial.code } });
    return { data: null, errors: onePerPath(errors) };
  }
  // Every denial is placed, also after one has nulled the whole result: GraphQL reports every
  // field error, whatever became of `data`.
  let rootNulled = false;
  for (const denial of denials) rootNulled = placeNull(data, denial.path, 0, [], denial, errors) || rootNulled;
  return { data: rootNulled ? null : (rebuilt(data, keyOrder) as Record<string, Json>), errors: onePerPath(errors) };
}

/** Returns true when `object` itself must become null (a non-null field below it was nulled). */
function placeNull(object: { [key: string]: Json }, path: PathStep[], depth: number, at: Path, denial: Denial, errors: GraphQLFormattedError[]): boolean {
  const step = path[depth]!;
  const here = [...at, step.key];
  if (depth === path.length - 1) {
    // A field denied inside `... on SomeType` concerns objects of that type only.
    if (step.onlyFor && !step.onlyFor.includes(String(object[PLACEHOLDER_KEY]))) return false;
    object[step.key] = null;
    errors.push({ message: denial.message, path: here, extensions: { code: denial.code } });
    return !step.nullable;
  }
  const value = object[step.key];
  if (value === null || value === undefined) return false;
  const mustNull = Array.isArray(value) ? placeNullInList(value, step, path, depth, here, denial, errors) : placeNull(value as { [key: string]: Json }, path, depth + 1, here, denial, errors);
  if (!mustNull) return false;
  object[step.key] = null;
  return !step.nullable;
}

function placeNullInList(list: Json[], step: PathStep, path: PathStep[], depth: number, at: Path, denial: Denial, errors: GraphQLFormattedError[]): boolean {
  let listMustNull = false;
  list.forEach((item, index) => {
    if (item === null || typeof item !== 'object') return;
    const itemMustNull = Array.isArray(item)
      ? placeNullInList(item, step, path, depth, [...at, index], denial, errors)
      : placeNull(item, path, depth + 1, [...at, index], denial, errors);
    if (!itemMustNull) return;
    if (step.itemsNullable) list[index] = null;
    else listMustNull = true;
  });
  return listMustNull;
}

/** A copy of `value` without placeholders, each object's keys in the asked order. */
function rebuilt(value: Json, order: KeyOrder): Json {
  if (Array.isArray(value)) return value.map((item) => rebuilt(item, order));
  if (value && typeof value === 'object') {
    // Without a prototype, as GraphQL execution builds results: a client's alias `__proto__` is then a
    // key like any other, where on a `{}` assigning it would set the prototype and drop the field.
    const copy: { [key: string]: Json } = Object.create(null);
    for (const key of order.sort(Object.keys(value))) if (key !== PLACEHOLDER_KEY) copy[key] = rebuilt(value[key]!, order.of(key));
    return copy;
  }
  return value;
}
