/**
 * The ids graphql-ws's server core sees on one connection: each operation a
 * client starts gets one of its own (`<client id>#<n>`), so reusing an id
 * after completing it can never touch the operation that used it before.
 *
 * graphql-ws 6.4 keys its records by the client's id: when a client completes
 * an id and subscribes with it again before the first operation has wound
 * down, the first one's clean-up sends `complete` under the id and deletes the
 * second one's record, which then runs on untracked. Under ids of their own,
 * the two never meet. An id still in use keeps its operation id, so a
 * duplicate subscribe is refused (4409) as the protocol says.
 */
export class OperationIds {
  /** Client id → the operation id of the operation running under it. */
  private readonly running = new Map<string, string>();
  private counter = 0;

  /** The operation id for a `subscribe` under `clientId`: the running one's (a duplicate), or a new one. */
  subscribe(clientId: string): string {
    let operationId = this.running.get(clientId);
    if (operationId === undefined) {
      operationId = `${clientId}#${this.counter++}`;
      this.running.set(clientId, operationId);
    }
    return operationId;
  }

  /** Whether an operation runs under `clientId` (a `subscribe` with it would be a duplicate). */
  isRunning(clientId: string): boolean {
    return this.running.has(clientId);
  }

  /** The client completes `clientId`: the operation id to tell graphql-ws, and the id is free again. */
  complete(clientId: string): string | undefined {
    const operationId = this.running.get(clientId);
    this.running.delete(clientId);
    return operationId;
  }

  /** The server completed (or failed) an operation: its client id is free again, unless already reused. */
  ended(operationId: string): void {
    const clientId = clientIdOf(operationId);
    if (this.running.get(clientId) === operationId) this.running.delete(clientId);
  }
}

/** The id the client chose for an operation (the counter follows the last `#`, and only digits do). */
export function clientIdOf(operationId: string): string {
  return operationId.slice(0, operationId.lastIndexOf('#'));
}
