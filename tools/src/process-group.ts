import { ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { DRAIN_GRACE_MS } from '@herck/common';

/**
 * A child process in its own process group: a Ctrl-C in the terminal reaches
 * only `npm start`, which then stops the children in the right order.
 */
export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    captureStdout = false,
  ) {
    this.child = spawn(process.execPath, [script], {
      env: { ...env, HERCK_PARENT_PID: String(process.pid) },
      detached: true,
      stdio: ['ignore', captureStdout ? 'pipe' : 'inherit', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first JSON line the child prints (used by the embedded database). */
  firstJsonLine<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: this.child.stdout! });
      lines.once('line', (line) => resolve(JSON.parse(line) as T));
      void this.exited.then((code) => reject(new Error(`${this.name} exited with code ${code}`)));
    });
  }

  /** Past the service's own limit (its requests' grace and closing its stores: runProcess), it is killed. */
  async stop(timeoutMs = DRAIN_GRACE_MS + 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
