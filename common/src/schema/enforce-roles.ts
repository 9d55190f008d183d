import { defaultFieldResolver, GraphQLSchema, isObjectType, ValueNode } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors';
import { hasAnyRole, Identity, Role } from '../identity/roles';
import { REQUIRES_ROLE } from './requires-role';

interface AstWithDirectives {
  directives?: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: ValueNode }[] }[];
}

/** The roles a `@requiresRole` directive on this AST node names, or null when it has none. */
export function requiredRoles(node: AstWithDirectives | null | undefined): Role[] | null {
  const directive = node?.directives?.find((d) => d.name.value === REQUIRES_ROLE);
  const roles = directive?.arguments?.find((a) => a.name.value === 'roles')?.value;
  if (!roles) return null;
  const values = roles.kind === 'ListValue' ? roles.values : [roles];
  return values.flatMap((value) => (value.kind === 'StringValue' || value.kind === 'EnumValue' ? [value.value as Role] : []));
}

/**
 * The gateway enforces `@requiresRole` before planning; subgraphs check it again
 * on every resolver, so a mistake in one place is not a hole.
 */
export function enforceRolesInSubgraph(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRoles = requiredRoles(type.astNode);
    for (const field of Object.values(type.getFields())) {
      const roles = requiredRoles(field.astNode) ?? typeRoles;
      if (!roles) continue;
      const check = (context: { identity: Identity }) => {
        if (!context.identity.accountId) throw new UnauthenticatedError();
        if (!hasAnyRole(context.identity, roles)) throw new ForbiddenError();
      };
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: { identity: Identity }, info) => {
        check(context);
        return resolve(source, args, context, info);
      };
      // A subscription is refused when it starts, not at each event.
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args, context: { identity: Identity }, info) => {
          check(context);
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
