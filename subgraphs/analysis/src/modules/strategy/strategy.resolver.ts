import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authenticated, Connection, pageSize, UnauthenticatedError } from '@herck/common';
import { AnalysisContext } from '../../context';
import { AccountReference } from '../account/account.type';
import { ConditionCheck } from '../condition/condition-check.type';
import { compileCondition } from '../condition/condition-compiler';
import { IndicatorInput } from '../indicator/indicator.type';
import { normaliseIndicators } from '../indicator/indicator-spec';
import { CreateStrategyInput, UpdateStrategyInput } from './strategy.input';
import { Strategy } from './strategy.entity';
import { CreateStrategyPayload, StrategyConnection } from './strategy-payloads.type';
import { StrategyService } from './strategy.service';

export function callerId({ identity }: AnalysisContext): string {
  if (!identity.accountId) throw new UnauthenticatedError();
  return identity.accountId;
}

@Resolver(() => Strategy)
export class StrategyResolver {
  constructor(private readonly service: StrategyService) {}

  @Authenticated()
  @Query(() => StrategyConnection, { description: 'Your strategies, oldest first, a page at a time' })
  strategies(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last strategy already seen' }) after: string | null,
    @Ctx() context: AnalysisContext,
  ): Promise<Connection<Strategy>> {
    return this.service.page(context.em, callerId(context), pageSize(first), after);
  }

  @Authenticated()
  @Query(() => Strategy, { description: 'One of your strategies (NOT_FOUND for any other id)' })
  strategy(@Arg('id', () => ID, { description: 'Strategy id' }) id: string, @Ctx() context: AnalysisContext): Promise<Strategy> {
    return this.service.own(context.em, callerId(context), id);
  }

  @Authenticated()
  @Query(() => ConditionCheck, { description: 'Checks a condition against indicators without saving anything' })
  validateCondition(
    @Arg('condition', () => String, { description: 'A CEL expression' }) condition: string,
    @Arg('indicators', () => [IndicatorInput], { description: 'The indicators it may read, by name' }) indicators: IndicatorInput[],
  ): ConditionCheck {
    const compiled = compileCondition(condition, normaliseIndicators(indicators));
    return compiled.ok ? { valid: true, errors: [] } : { valid: false, errors: compiled.problems };
  }

  @Authenticated()
  @Mutation(() => CreateStrategyPayload, { description: 'Saves a new strategy; the payload carries its webhook secret, shown only here' })
  createStrategy(@Arg('input', () => CreateStrategyInput, { description: 'The strategy' }) input: CreateStrategyInput, @Ctx() context: AnalysisContext): Promise<CreateStrategyPayload> {
    return this.service.create(context.em, callerId(context), input);
  }

  @Authenticated()
  @Mutation(() => Strategy, { description: 'Changes one of your strategies; omitted fields stay' })
  updateStrategy(@Arg('id', () => ID, { description: 'Strategy id' }) id: string, @Arg('input', () => UpdateStrategyInput, { description: 'What to change' }) input: UpdateStrategyInput, @Ctx() context: AnalysisContext): Promise<Strategy> {
    return this.service.update(context.em, callerId(context), id, input);
  }

  @Authenticated()
  @Mutation(() => Boolean, { description: 'Deletes one of your strategies with its alerts' })
  async deleteStrategy(@Arg('id', () => ID, { description: 'Strategy id' }) id: string, @Ctx() context: AnalysisContext): Promise<boolean> {
    await this.service.delete(context.em, callerId(context), id);
    return true;
  }

  @Authenticated()
  @Mutation(() => Strategy, { description: 'Switches one of your strategies on or off' })
  setStrategyEnabled(@Arg('id', () => ID, { description: 'Strategy id' }) id: string, @Arg('enabled', () => Boolean, { description: 'On or off' }) enabled: boolean, @Ctx() context: AnalysisContext): Promise<Strategy> {
    return this.service.setEnabled(context.em, callerId(context), id, enabled);
  }

  @FieldResolver(() => AccountReference, { description: 'Who owns it' })
  owner(@Root() strategy: Strategy): AccountReference {
    return { id: strategy.ownerId };
  }
}
