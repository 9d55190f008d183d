import { Kind, parse } from 'graphql';
import { requiredRoles, Role } from '@herck/common';

/**
 * Who may read which field, as the subgraphs declared it with `@requiresRole`
 * (composed into the supergraph). Fields without a requirement are public.
 */
export class RolePolicy {
  private constructor(private readonly fieldRoles: Map<string, Role[]>) {}

  static fromSupergraph(supergraphSdl: string): RolePolicy {
    const fieldRoles = new Map<string, Role[]>();
    for (const definition of parse(supergraphSdl).definitions) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
      ) {
        continue;
      }
      const typeRoles = requiredRoles(definition);
      for (const field of definition.fields ?? []) {
        const roles = requiredRoles(field) ?? typeRoles;
        if (roles) fieldRoles.set(`${definition.name.value}.${field.name.value}`, roles);
      }
    }
    return new RolePolicy(fieldRoles);
  }

  /** The roles of which the caller needs one, or null when the field is public. */
  rolesFor(typeName: string, fieldName: string): Role[] | null {
    return this.fieldRoles.get(`${typeName}.${fieldName}`) ?? null;
  }
}
