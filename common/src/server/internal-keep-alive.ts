/**
 * How long the gateway and a subgraph keep an idle connection between them. The side that closes an
 * idle connection must always be the gateway: a subgraph that closes one just as the gateway sends a
 * request on it (its own timer ran first) fails that fetch, which reaches the client as
 * SERVICE_UNAVAILABLE. With Node's defaults the margin was a second or two (a subgraph closed after
 * 5 s, the gateway after 3 to 4 s, as the subgraph's Keep-Alive hint said), which a machine busy
 * enough to hold the gateway's timers back can eat up. A subgraph now waits a minute, far beyond the
 * gateway's few seconds, whatever its hint says.
 */
export const GATEWAY_IDLE_CLOSE_MS = 4_000;
export const SUBGRAPH_IDLE_CLOSE_MS = 65_000;
