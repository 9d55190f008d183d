import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLFormattedError, print } from 'graphql';

export interface GraphqlResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
  headers: Headers;
}

/** Sends one operation over real HTTP, as any client would. */
export async function send<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  accessToken?: string,
  extraHeaders: Record<string, string> = {},
): Promise<GraphqlResponse<TData>> {
  return sendRaw<TData>(url, { query: print(document), variables }, accessToken, extraHeaders);
}

export async function sendRaw<TData = Record<string, unknown>>(
  url: string,
  body: unknown,
  accessToken?: string,
  extraHeaders: Record<string, string> = {},
): Promise<GraphqlResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      ...extraHeaders,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as { data?: TData; errors?: GraphQLFormattedError[] }) : {};
  return { status: response.status, headers: response.headers, ...parsed };
}

/** The `extensions.code` of each error, for compact assertions. */
export function codes(response: { errors?: readonly GraphQLFormattedError[] }): unknown[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
