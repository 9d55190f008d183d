import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { UnauthenticatedError } from '@herck/common';
import { AuthContext } from '../../context';
import { SessionService } from '../session/session.service';
import { AuthTokens } from '../session/session.types';
import { LoginService } from './login.service';

@Resolver()
export class LoginResolver {
  constructor(
    private readonly logins: LoginService,
    private readonly sessions: SessionService,
  ) {}

  @Mutation(() => AuthTokens, {
    description: 'Sign in with username or email and password. Repeated failures pause sign-in to that account from that client for a while (RATE_LIMITED).',
  })
  login(
    @Arg('usernameOrEmail', () => String, { description: 'Username or email address, in any letter case' }) usernameOrEmail: string,
    @Arg('password', () => String, { description: 'The account password' }) password: string,
    @Ctx() { em, client }: AuthContext,
  ): Promise<AuthTokens> {
    return this.logins.login(em, usernameOrEmail, password, client);
  }

  @Mutation(() => AuthTokens, {
    description: 'Exchange a refresh token for new tokens. Each refresh token works once; using one twice revokes the whole session.',
  })
  refreshToken(@Arg('token', () => String, { description: 'The latest refresh token of the session' }) token: string, @Ctx() { em }: AuthContext): Promise<AuthTokens> {
    return this.sessions.refresh(em, token);
  }

  @Mutation(() => Boolean, {
    description:
      'End the session this refresh token belongs to (true, also for a token that names none); without one, end every session of the signed-in caller (UNAUTHENTICATED for an anonymous caller).',
  })
  async logout(
    @Arg('refreshToken', () => String, { nullable: true, description: 'Refresh token of the session to end' }) refreshToken: string | null,
    @Ctx() { em, identity }: AuthContext,
  ): Promise<boolean> {
    // An empty token names no session, like any unknown one; only a missing one means "all of mine".
    if (refreshToken !== null && refreshToken !== undefined) await this.sessions.logout(em, refreshToken);
    else if (identity.accountId) await this.sessions.revokeAll(em, identity.accountId);
    // Neither a session named nor a caller signed in: nothing could be meant.
    else throw new UnauthenticatedError('Sign in, or give the refresh token of the session to end');
    return true;
  }
}
