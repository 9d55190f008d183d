import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { AccountContext } from '../../context';
import { RegisterInput } from './registration.input';
import { RegistrationService } from './registration.service';
import { EmailConfirmation, RegistrationReceipt } from './registration.types';

const CHECK_INBOX = 'If the details can be used, a confirmation link is on its way to that address. Check your inbox.';

@Resolver()
export class RegistrationResolver {
  constructor(private readonly registration: RegistrationService) {}

  @Mutation(() => RegistrationReceipt, {
    description:
      'Register a new account. A single-use confirmation link is mailed; the answer never reveals whether the username or email is taken. Mail-sending requests are limited per client (RATE_LIMITED) and per mailbox (silently).',
  })
  async register(
    @Arg('input', () => RegisterInput, { description: 'Who is registering' }) input: RegisterInput,
    @Ctx() { client }: AccountContext,
  ): Promise<RegistrationReceipt> {
    await this.registration.register(input, client);
    return { message: CHECK_INBOX };
  }

  @Mutation(() => RegistrationReceipt, { description: 'Mail a new confirmation link to a pending account. Answers the same for any address.' })
  async resendConfirmation(
    @Arg('email', () => String, { description: 'Email address the account was registered with' }) email: string,
    @Ctx() { client }: AccountContext,
  ): Promise<RegistrationReceipt> {
    await this.registration.resendConfirmation(email, client);
    return { message: CHECK_INBOX };
  }

  @Mutation(() => RegistrationReceipt, {
    description: 'Mail a link to choose a new password (the link leads to `setPassword`). Answers the same for any address.',
  })
  async requestPasswordReset(
    @Arg('email', () => String, { description: 'Email address of the account' }) email: string,
    @Ctx() { client }: AccountContext,
  ): Promise<RegistrationReceipt> {
    await this.registration.requestPasswordReset(email, client);
    return { message: 'If an active account uses that address, a link to choose a new password is on its way. Check your inbox.' };
  }

  @Mutation(() => EmailConfirmation, {
    description: 'Confirm an email address with the token from the mailed link; activates the account and returns a token to set the password with.',
  })
  confirmEmail(@Arg('token', () => String, { description: 'The token from the mailed link' }) token: string, @Ctx() { em }: AccountContext): Promise<EmailConfirmation> {
    return this.registration.confirmEmail(em, token);
  }
}
