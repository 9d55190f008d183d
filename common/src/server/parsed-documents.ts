import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

type DocumentStore = NonNullable<ApolloServerOptions<BaseContext>['documentStore']>;

/**
 * Room for parsed documents, in characters of their text. A parsed document takes about 80 bytes
 * per character (its tokens and their locations; measured on a 350-character query), so this is
 * about 40 MB: some 1,500 documents of that size, more than a client application sends.
 */
export const PARSED_DOCUMENTS_MAX_CHARACTERS = 512 * 1024;

/**
 * Apollo Server's cache of parsed and validated documents, bounded by what they really hold.
 * Its default counts a document by its JSON, which leaves out tokens and locations: the "30 MiB"
 * it allows held over 100 MB, and distinct documents, which any client may send, filled it.
 */
export function parsedDocumentStore(maxCharacters = PARSED_DOCUMENTS_MAX_CHARACTERS): DocumentStore {
  const cache = new LRUCache<string, DocumentNode>({
    maxSize: maxCharacters,
    // A document longer than the whole room is not kept (lru-cache refuses it).
    sizeCalculation: (document) => Math.max(1, document.loc?.end ?? JSON.stringify(document).length),
  });
  return {
    get: async (key) => cache.get(key),
    set: async (key, value) => void cache.set(key, value),
    delete: async (key) => cache.delete(key),
  };
}
