import { randomBytes } from 'node:crypto';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  FragmentSpreadNode,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLIncludeDirective,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLSkipDirective,
  InlineFragmentNode,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  SchemaMetaFieldDef,
  SelectionNode,
  SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql';
import { hasAnyRole, Identity } from '@herck/common';
import { KeyOrder } from './key-order';
import { onePerPath } from './one-error-per-path';
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

/** Each denial as the error at its field's path: for an operation with nothing left to run. */
export function denialErrors(denials: Denial[]): GraphQLError[] {
  const errors = denials.map((denial) => new GraphQLError(denial.message, { path: denial.path.map((step) => step.key), extensions: { code: denial.code } }));
  return onePerPath(errors);
}

export interface AuthorizedOperation {
  /** The operation without the fields the caller may not read (fragments inlined). */
  document: DocumentNode;
  denials: Denial[];
  /** True when every root field was denied, or a subscription's events would all be null: the operation is not run at all. */
  nothingLeft: boolean;
  /** The response keys in the order asked for: the answer keeps it when denied fields are put back. */
  keyOrder: KeyOrder;
}

/**
 * Response key (holding `__typename`) standing in for a selection set whose every
 * field was denied, and telling which concrete type a fragment's denial hit. Random per
 * process: a client's own alias can never be taken for it (and stripped, or its field
 * counted as denied), and the answer never shows it.
 */
export const PLACEHOLDER_KEY = `__herck_denied_${randomBytes(8).toString('hex')}`;

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
  const variableValues = coerceVariables(schema, operation, variables);
  const denials: Denial[] = [];
  const inline = (spread: FragmentSpreadNode): InlineFragmentNode => inlineSpread(spread, fragments.get(spread.name.value)!);
  // A mutation's root fields run one after the other, and one whose null reaches the root (a denied
  // non-null field, or one below it through non-null fields) ends the run: the fields after it must
  // not run either (their answer would be thrown away with `data`).
  const serial = operation.operation === OperationTypeNode.MUTATION;
  // A subscription has one root field: a null that reaches it makes every event null, which is nothing left to send.
  const subscription = operation.operation === OperationTypeNode.SUBSCRIPTION;
  let halted = false;

  const keyOrder = new KeyOrder();

  const visit = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, path: PathStep[], order: KeyOrder, onlyFor: string[] | null = null): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    let needsTypename = false;
    for (const selection of selectionSet.selections) {
      if (halted && path.length === 0) break;
      // GraphQL would neither run a skipped selection nor put it in the result: it needs no permission and can go.
      if (isSkipped(selection, variableValues)) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        keepFragment(inline(selection));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        keepFragment(selection);
      } else {
        const deniedBefore = denials.length;
        const field = visitField(selection, parentType, path, order, onlyFor);
        if (field) kept.push(field);
        else if (onlyFor && denials.length > deniedBefore) needsTypename = true;
      }
    }
    if (!kept.length || needsTypename) kept.push(placeholder());
    return { kind: Kind.SELECTION_SET, selections: kept };

    function keepFragment(fragment: { typeCondition?: { name: { value: string } } | undefined } & SelectionNode & { selectionSet: SelectionSetNode }) {
      const type = fragment.typeCondition ? (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType) : parentType;
      const narrower = type === parentType ? onlyFor : concreteTypes(type);
      const inner = visit(fragment.selectionSet, type, path, order, narrower);
      // A fragment left with only the typename is kept when it tells which objects a denial hit.
      if (inner.selections.some((s) => !isPlaceholder(s)) || narrower) kept.push({ ...fragment, selectionSet: inner } as SelectionNode);
    }
  };

  const concreteTypes = (type: GraphQLCompositeType): string[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type).map((possible) => possible.name) : [type.name];

  const visitField = (field: FieldNode, parentType: GraphQLCompositeType, path: PathStep[], order: KeyOrder, onlyFor: string[] | null): FieldNode | null => {
    const name = field.name.value;
    const key = field.alias?.value ?? name;
    const orderBelow = order.note(key);
    if (name === TypeNameMetaFieldDef.name) return field;
    const fieldType = fieldDefinition(schema, parentType, name)?.type;
    // Validation rules this out; should it happen, the rewritten document must still name no dropped fragment.
    if (!fieldType) return inlineAllSpreads(field, inline);
    const nullableType = getNullableType(fieldType);
    const step: PathStep = {
      key,
      nullable: !isNonNullType(fieldType),
      itemsNullable: isListType(nullableType) ? !isNonNullType(nullableType.ofType) : null,
      onlyFor,
    };
    const denial = denialFor(parentType, name);
    if (denial) {
      denials.push({ ...denial, path: [...path, step] });
      if ((serial || subscription) && bubblesToRoot([...path, step])) halted = true;
      return null;
    }
    const namedType = getNamedType(fieldType);
    if (!field.selectionSet || !isCompositeType(namedType)) return field;
    return { ...field, selectionSet: visit(field.selectionSet, namedType, [...path, step], orderBelow) };
  };

  const denialFor = (parentType: GraphQLCompositeType, fieldName: string): Omit<Denial, 'path'> | null => {
    // On an interface, the field may be served by any implementation: each must allow it.
    const types: GraphQLCompositeType[] = isAbstractType(parentType) ? [parentType, ...schema.getPossibleTypes(parentType)] : [parentType];
    for (const type of types) {
      const roles = policy.rolesFor(type.name, fieldName);
      if (!roles) continue;
      if (!identity.accountId) return { code: 'UNAUTHENTICATED', message: `Sign in to use ${type.name}.${fieldName}` };
      if (!hasAnyRole(identity, roles)) {
        return { code: 'FORBIDDEN', message: `${type.name}.${fieldName} requires one of the roles ${roles.join(', ')}` };
      }
    }
    return null;
  };

  const selectionSet = visit(operation.selectionSet, rootType as GraphQLObjectType, [], keyOrder);
  const nothingLeft = selectionSet.selections.every(isPlaceholder) || (subscription && halted);
  const rewritten: DocumentNode = { kind: Kind.DOCUMENT, definitions: [{ ...operation, selectionSet }] };
  return { document: denials.length ? rewritten : document, denials, nothingLeft, keyOrder };
}

/** Whether a null at the end of `path` reaches the root: no nullable field or list item on the way. */
function bubblesToRoot(path: PathStep[]): boolean {
  return path.every((step) => !step.nullable && step.itemsNullable !== true && step.onlyFor === null);
}

function placeholder(): FieldNode {
  return { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER_KEY }, name: { kind: Kind.NAME, value: '__typename' } };
}

function isPlaceholder(selection: SelectionNode): boolean {
  return selection.kind === Kind.FIELD && selection.alias?.value === PLACEHOLDER_KEY;
}

type VariableValues = { [name: string]: unknown };

/**
 * The variables as execution will see them, defaults included, or null when
 * they do not coerce: execution reports that error itself, and meanwhile no
 * field counts as skipped, so none escapes the role check.
 */
function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): VariableValues | null {
  const { coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  return coerced ?? null;
}

/** `@skip(if: true)` / `@include(if: false)`, decided exactly as execution decides it. */
function isSkipped(selection: SelectionNode, variableValues: VariableValues | null): boolean {
  if (!variableValues) return false;
  try {
    const skip = getDirectiveValues(GraphQLSkipDirective, selection, variableValues);
    const include = getDirectiveValues(GraphQLIncludeDirective, selection, variableValues);
    return skip?.if === true || include?.if === false;
  } catch {
    // An unusable `if` argument fails execution anyway: treat the selection as run, and check it.
    return false;
  }
}

/**
 * The field `name` selects on `parentType`, meta fields included: `__schema`
 * and `__type` exist on the query type only and `getFields()` does not list them.
 */
function fieldDefinition(schema: GraphQLSchema, parentType: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parentType ? parentType.getFields()[name] : undefined;
}

/** A named fragment's selections in place of its spread: the rewritten document has no fragment definitions. */
function inlineSpread(spread: FragmentSpreadNode, fragment: FragmentDefinitionNode): InlineFragmentNode {
  return { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: spread.directives, selectionSet: fragment.selectionSet };
}

/** Replaces every fragment spread under `node`, however deep, by the fragment's selections. */
function inlineAllSpreads<T extends FieldNode | InlineFragmentNode>(node: T, inline: (spread: FragmentSpreadNode) => InlineFragmentNode): T {
  if (!node.selectionSet) return node;
  const selections = node.selectionSet.selections.map((selection) =>
    inlineAllSpreads(selection.kind === Kind.FRAGMENT_SPREAD ? inline(selection) : selection, inline),
  );
  return { ...node, selectionSet: { ...node.selectionSet, selections } };
}
