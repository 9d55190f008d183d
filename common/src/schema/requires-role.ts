import { Directive } from 'type-graphql';
import { Role } from '../identity/roles';

/** The custom directive declaring who may read a field; composed into the supergraph for the gateway. */
export const REQUIRES_ROLE = 'requiresRole';

export const REQUIRES_ROLE_DEFINITION = `directive @${REQUIRES_ROLE}(roles: [String!]!) on FIELD_DEFINITION | OBJECT`;

/**
 * `@RequiresRole('ADMIN')`: only callers holding one of these roles may select
 * the field (or any field of the type). Fields without it are public.
 */
export function RequiresRole(...roles: [Role, ...Role[]]): MethodDecorator & PropertyDecorator & ClassDecorator {
  return Directive(`@${REQUIRES_ROLE}(roles: [${roles.map((role) => JSON.stringify(role)).join(', ')}])`);
}

/** Any signed-in caller. */
export const Authenticated = (): MethodDecorator & PropertyDecorator & ClassDecorator =>
  RequiresRole('USER', 'ANALYST', 'ADMIN');
