import { GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

/**
 * Whether the query selects `name` on this field's value, directly or through fragments
 * (@skip and @include are not read: such a field counts as selected, which is only slower).
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const selects = (set: SelectionSetNode | undefined): boolean =>
    Boolean(set?.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return selects(selection.selectionSet);
      return selects(info.fragments[selection.name.value]?.selectionSet);
    }));
  return info.fieldNodes.some((node) => selects(node.selectionSet));
}
