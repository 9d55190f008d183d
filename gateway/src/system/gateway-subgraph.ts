/**
 * The gateway's own subgraph: fields the gateway answers itself (`status`),
 * composed into the supergraph like any other and executed in-process, so role
 * checks, limits and rate limits treat them like every other field.
 */
export const GATEWAY_SUBGRAPH = 'gateway';
