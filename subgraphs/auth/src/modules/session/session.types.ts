import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Tokens for a signed-in session' })
export class AuthTokens {
  @Field(() => String, { description: 'JWT to send as `Authorization: Bearer <token>`; valid for at most 15 minutes' })
  accessToken!: string;

  @Field(() => Date, { description: 'When the access token expires' })
  expiresAt!: Date;

  @Field(() => String, { description: 'Single-use token for `refreshToken`; each use returns a new one' })
  refreshToken!: string;

  @Field(() => Date, { description: 'When the refresh token expires' })
  refreshExpiresAt!: Date;

  @Field(() => String, { description: 'Always "Bearer"' })
  tokenType!: string;
}
