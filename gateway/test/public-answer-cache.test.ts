import { PublicAnswerCache, publicMaxAge } from '../src/remote/public-answer-cache';

describe('public answers', () => {
  it('are kept only when the subgraph says public with an age', () => {
    expect(publicMaxAge('public, max-age=3')).toBe(3);
    expect(publicMaxAge('max-age=3, Public')).toBe(3);
    expect(publicMaxAge('max-age=3')).toBe(0);
    expect(publicMaxAge('public')).toBe(0);
    expect(publicMaxAge('public, max-age=3, private')).toBe(0);
    expect(publicMaxAge('public, max-age=3, no-store')).toBe(0);
    expect(publicMaxAge('public, max-age=-1')).toBe(0);
    expect(publicMaxAge('public, max-age=1.5')).toBe(0);
    expect(publicMaxAge(undefined)).toBe(0);

    const cache = new PublicAnswerCache();
    cache.remember('market', 'a', '{"data":{}}', 'public, max-age=60');
    cache.remember('market', 'b', '{"data":{}}', 'no-store');
    cache.remember('account', 'c', '{"data":{}}', undefined);
    expect(cache.get('market', 'a')).toBe('{"data":{}}');
    expect(cache.get('account', 'a')).toBeUndefined();
    expect(cache.get('market', 'b')).toBeUndefined();
    expect(cache.get('account', 'c')).toBeUndefined();
  });

  it("are forgotten, one subgraph's at a time, when a mutation goes to it", () => {
    const cache = new PublicAnswerCache();
    cache.remember('market', 'a', '{"data":{"a":1}}', 'public, max-age=60');
    cache.remember('orders', 'a', '{"data":{"a":2}}', 'public, max-age=60');
    cache.forget('market');
    expect(cache.get('market', 'a')).toBeUndefined();
    expect(cache.get('orders', 'a')).toBe('{"data":{"a":2}}');
  });

  it('are not kept when asked for before a mutation and answered after it', () => {
    const cache = new PublicAnswerCache();
    const askedAt = cache.generation('market');
    cache.forget('market');
    cache.remember('market', 'a', '{"data":{"old":true}}', 'public, max-age=60', askedAt);
    expect(cache.get('market', 'a')).toBeUndefined();
    cache.remember('market', 'a', '{"data":{"new":true}}', 'public, max-age=60', cache.generation('market'));
    expect(cache.get('market', 'a')).toBe('{"data":{"new":true}}');
  });
});
