/** A BullMQ worker process for bench/mesh.ts: runs no-op jobs until told to stop. */
import { Worker } from 'bullmq';

const [queue, port] = [process.argv[2]!, Number(process.argv[3] ?? 6379)];
const worker = new Worker(queue, async (job) => ({ out: (job.data as { i: number }).i + 1 }), {
  connection: { host: '127.0.0.1', port },
  concurrency: 8,
});
process.on('SIGTERM', () => { void worker.close().then(() => process.exit(0)); });
