import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { assertOwnerOrAdmin, Authenticated, isUuid, NotFoundError, pageInfoOf, pageSize, RequiresRole, searchText, UnauthenticatedError } from '@herck/common';
import { AccountContext } from '../../context';
import { AccountConnection } from './account-connection.type';
import { decodeCursor, encodeCursor } from './account-cursor';
import { Account } from './account.entity';
import { AccountFilter, UpdateAccountInput } from './account.input';
import { AccountService } from './account.service';

const MAX_PAGE = 100;

/**
 * Ids are UUIDs, which name the same account in either letter case; they are stored and compared
 * in lower case. (Taken as typed, the owner's own id in capitals was FORBIDDEN, and an admin's
 * NOT_FOUND, while deactivateAccount accepted it.)
 */
function canonicalId(id: string): string {
  return id.toLowerCase();
}

@Resolver(() => Account)
export class AccountResolver {
  constructor(private readonly accountService: AccountService) {}

  @Authenticated()
  @Query(() => Account, { nullable: true, description: "The signed-in caller's account" })
  me(@Ctx() { identity, accountsById }: AccountContext): Promise<Account | null> {
    if (!identity.accountId) throw new UnauthenticatedError();
    return accountsById.load(identity.accountId);
  }

  @Authenticated()
  @Query(() => Account, { nullable: true, description: 'One account by id: your own, or any for admins' })
  async account(@Arg('id', () => ID, { description: 'Account id' }) id: string, @Ctx() { identity, accountsById }: AccountContext): Promise<Account> {
    const accountId = canonicalId(id);
    assertOwnerOrAdmin(identity, accountId);
    const account = isUuid(accountId) ? await accountsById.load(accountId) : null;
    if (!account) throw new NotFoundError('Account');
    return account;
  }

  @RequiresRole('ADMIN')
  @Query(() => AccountConnection, { description: 'All accounts, oldest first, a page at a time (admins)' })
  async accounts(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: `Page size, 1 to ${MAX_PAGE}` }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last account already seen' }) after: string | null,
    @Arg('filter', () => AccountFilter, { nullable: true, description: 'Narrows the list' }) filter: AccountFilter | null,
    @Ctx() { em }: AccountContext,
  ): Promise<AccountConnection> {
    const size = pageSize(first, MAX_PAGE);
    const repository = em.getRepository(Account);
    const query = { first: size, after: after ? decodeCursor(after) : undefined, status: filter?.status, search: searchText(filter?.search) ?? undefined };
    const accounts = await repository.page(query);
    const page = accounts.slice(0, size);
    const edges = page.map((node) => ({ node, cursor: encodeCursor(node) }));
    return { edges, nodes: page, pageInfo: pageInfoOf(edges, accounts.length > size, Boolean(after)), countAll: () => repository.countMatching(query) } as AccountConnection;
  }

  @Authenticated()
  @Mutation(() => Account, { description: 'Change profile fields: your own account, or any for admins' })
  updateAccount(
    @Arg('input', () => UpdateAccountInput, { description: 'The fields to change' }) input: UpdateAccountInput,
    @Arg('id', () => ID, { nullable: true, description: "Account to change; the caller's own when omitted" }) id: string | null,
    @Ctx() { identity, em }: AccountContext,
  ): Promise<Account> {
    const target = id != null ? canonicalId(id) : identity.accountId!;
    assertOwnerOrAdmin(identity, target);
    return this.accountService.update(em, target, input);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Account, { description: 'Switch an account off: it can no longer sign in (admins)' })
  deactivateAccount(@Arg('id', () => ID, { description: 'Account to deactivate' }) id: string, @Ctx() { em }: AccountContext): Promise<Account> {
    return this.accountService.deactivate(em, id);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Account, { description: 'Switch a deactivated account back on: its owner can sign in again (admins)' })
  reactivateAccount(@Arg('id', () => ID, { description: 'Account to reactivate' }) id: string, @Ctx() { em }: AccountContext): Promise<Account> {
    return this.accountService.reactivate(em, id);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Boolean, { description: 'Delete an account for good, with its credentials (admins)' })
  async deleteAccount(@Arg('id', () => ID, { description: 'Account to delete' }) id: string, @Ctx() { em }: AccountContext): Promise<boolean> {
    await this.accountService.delete(em, id);
    return true;
  }

  @FieldResolver(() => String, { description: 'Email address; only its owner and admins can read it' })
  email(@Root() account: Account, @Ctx() { identity }: AccountContext): string {
    assertOwnerOrAdmin(identity, account.id);
    return account.email;
  }
}

/** `AccountConnection.totalCount`: counted only when a query asks for it (a scan of every match), as orders counts its lists. */
@Resolver(() => AccountConnection)
export class AccountConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: AccountConnection): Promise<number> {
    return connection.countAll();
  }
}
