import { Orm } from '@herck/common';

/** One node of PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` plan. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** The plan PostgreSQL ran `statement` with (it is run), with the pages it read. */
export async function explainAnalyze(orm: Orm, statement: string, params: unknown[]): Promise<PlanNode> {
  const [row] = await orm.em.getConnection().execute<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement}`, params);
  return row!['QUERY PLAN'][0].Plan;
}

/** A plan's nodes, the root first. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** Pages read by the whole plan (from the cache or the disk). */
export const pagesRead = (root: PlanNode): number => (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
