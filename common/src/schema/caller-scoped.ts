import { ConstDirectiveNode } from 'graphql';
import { Directive } from 'type-graphql';

/**
 * Marks a subscription whose events depend on who asks (the caller's own
 * alerts): the gateway then never shares it between accounts, and opens it
 * upstream with the caller's identity. Others (ticks) are shared by all.
 */
export const CALLER_SCOPED = 'callerScoped';

export const CALLER_SCOPED_DEFINITION = `directive @${CALLER_SCOPED} on FIELD_DEFINITION`;

export const CallerScoped = (): MethodDecorator & PropertyDecorator => Directive(`@${CALLER_SCOPED}`);

export function isCallerScoped(node: { directives?: readonly ConstDirectiveNode[] } | null | undefined): boolean {
  return node?.directives?.some((directive) => directive.name.value === CALLER_SCOPED) ?? false;
}
