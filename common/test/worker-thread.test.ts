import path from 'node:path';
import { WorkerThread } from '../src/threads/worker-thread';

interface Echo {
  resolve: (text: string) => void;
  fail: (error: Error) => void;
}

const thread: WorkerThread<Echo, { id: number; text: string }> = new WorkerThread(path.join(__dirname, 'fixtures', 'echo-thread.js'), 'echo thread', (reply) => thread.ended(reply.id)?.resolve(reply.text));
afterAll(() => thread.stop());
const ask = (text: string) => new Promise<string>((resolve, fail) => thread.start({ resolve, fail }, (id) => ({ id, text })));

describe('a worker thread', () => {
  it('answers jobs, fails those under way when it dies, and starts again for the next', async () => {
    await expect(ask('hello')).resolves.toBe('hello');
    expect(thread.size).toBe(0);
    const held = ask('hold');
    expect(thread.size).toBe(1);
    await expect(ask('die')).rejects.toThrow('The echo thread stopped (exit code 3)');
    await expect(held).rejects.toThrow('The echo thread stopped (exit code 3)');
    expect(thread.size).toBe(0);
    await expect(ask('again')).resolves.toBe('again');
  });

  it('fails what runs on it when stopped, and starts again for the next', async () => {
    const held = ask('hold');
    await thread.stop();
    await expect(held).rejects.toThrow('The echo thread stopped');
    await expect(ask('after')).resolves.toBe('after');
  });
});
