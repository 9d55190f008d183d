import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLCompositeType,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { hasAnyRole, Identity } from '@herck/common';
import { RolePolicy } from './role-policy';

/** A step of a denied field's path: its response key and how null may be placed there. */
export interface PathStep {
  key: string;
  /** The field's own value may be null. */
  nullable: boolean;
  /** For list fields: whether an item may be null (null otherwise). */
  itemsNullable: boolean | null;
  /**
   * When the field sits in a fragment narrower than its parent's type: the
   * concrete types it applies to, checked against the `PLACEHOLDER_KEY` typename.
   */
  onlyFor: string[] | null;
}

export interface Denial {
  path: PathStep[];
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  message: string;
}

export interface AuthorizedOperation {
  /** The operation without the fields the caller may not read (fragments inlined). */
  document: DocumentNode;
  denials: Denial[];
  /** True when every root field was denied: the operation is not run at all. */
  nothingLeft: boolean;
}

/**
 * Response key (holding `__typename`) standing in for a selection set whose every
 * field was denied, and telling which concrete type a fragment's denial hit.
 */
export const PLACEHOLDER_KEY = '__herck_denied';

/**
 * Checks every field of the operation against the role policy before anything
 * is planned or fetched, and removes the fields the caller may not read.
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  identity: Identity,
  policy: RolePolicy,
): AuthorizedOperation {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  )!;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const rootType = schema.getRootType(operation.operation)!;
  const denials: Denial[] = [];

  const visit = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, path: PathStep[], onlyFor: string[] | null = null): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    let needsTypename = false;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value)!;
        const inlined = { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: selection.directives, selectionSet: fragment.selectionSet } as const;
        keepFragment(inlined);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        keepFragment(selection);
      } else {
        const deniedBefore = denials.length;
        const field = visitField(selection, parentType, path, onlyFor);
        if (field) kept.push(field);
        else if (onlyFor && denials.length > deniedBefore) needsTypename = true;
      }
    }
    if (!kept.length || needsTypename) kept.push(placeholder());
    return { kind: Kind.SELECTION_SET, selections: kept };

    function keepFragment(fragment: { typeCondition?: { name: { value: string } } | undefined } & SelectionNode & { selectionSet: SelectionSetNode }) {
      const type = fragment.typeCondition ? (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType) : parentType;
      const narrower = type === parentType ? onlyFor : concreteTypes(type);
      const inner = visit(fragment.selectionSet, type, path, narrower);
      // A fragment left with only the typename is kept when it tells which objects a denial hit.
      if (inner.selections.some((s) => !isPlaceholder(s)) || narrower) kept.push({ ...fragment, selectionSet: inner } as SelectionNode);
    }
  };

  const concreteTypes = (type: GraphQLCompositeType): string[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type).map((possible) => possible.name) : [type.name];

  const visitField = (field: FieldNode, parentType: GraphQLCompositeType, path: PathStep[], onlyFor: string[] | null): FieldNode | null => {
    const name = field.name.value;
    if (name.startsWith('__')) return field;
    const key = field.alias?.value ?? name;
    const fieldType = 'getFields' in parentType ? parentType.getFields()[name]?.type : undefined;
    if (!fieldType) return field;
    const nullableType = getNullableType(fieldType);
    const step: PathStep = {
      key,
      nullable: !isNonNullType(fieldType),
      itemsNullable: isListType(nullableType) ? !isNonNullType(nullableType.ofType) : null,
      onlyFor,
    };
    if (isSkipped(field, variables)) return field;
    const denial = denialFor(parentType, name);
    if (denial) {
      denials.push({ ...denial, path: [...path, step] });
      return null;
    }
    const namedType = getNamedType(fieldType);
    if (!field.selectionSet || !isCompositeType(namedType)) return field;
    return { ...field, selectionSet: visit(field.selectionSet, namedType, [...path, step]) };
  };

  const denialFor = (parentType: GraphQLCompositeType, fieldName: string): Omit<Denial, 'path'> | null => {
    // On an interface, the field may be served by any implementation: each must allow it.
    const types: GraphQLCompositeType[] = isAbstractType(parentType) ? [parentType, ...schema.getPossibleTypes(parentType)] : [parentType];
    for (const type of types) {
      const roles = policy.rolesFor(type.name, fieldName);
      if (!roles) continue;
      if (!identity.accountId) return { code: 'UNAUTHENTICATED', message: `Sign in to read ${type.name}.${fieldName}` };
      if (!hasAnyRole(identity, roles)) {
        return { code: 'FORBIDDEN', message: `${type.name}.${fieldName} requires one of the roles ${roles.join(', ')}` };
      }
    }
    return null;
  };

  const selectionSet = visit(operation.selectionSet, rootType as GraphQLObjectType, []);
  const nothingLeft = selectionSet.selections.every(isPlaceholder);
  const rewritten: DocumentNode = { kind: Kind.DOCUMENT, definitions: [{ ...operation, selectionSet }] };
  return { document: denials.length ? rewritten : document, denials, nothingLeft };
}

function placeholder(): FieldNode {
  return { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER_KEY }, name: { kind: Kind.NAME, value: '__typename' } };
}

function isPlaceholder(selection: SelectionNode): boolean {
  return selection.kind === Kind.FIELD && selection.alias?.value === PLACEHOLDER_KEY;
}

/** `@skip(if: true)` / `@include(if: false)`: the field will not run, so it needs no permission. */
function isSkipped(field: FieldNode, variables: Record<string, unknown>): boolean {
  const condition = (name: string): unknown => {
    const value = field.directives?.find((d) => d.name.value === name)?.arguments?.find((a) => a.name.value === 'if')?.value;
    return value === undefined ? undefined : valueFromASTUntyped(value as ValueNode, variables);
  };
  return condition('skip') === true || condition('include') === false;
}
