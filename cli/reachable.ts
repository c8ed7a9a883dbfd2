import { connect } from 'node:net';
import { failedStep } from './failure.js';

/**
 * Fails fast with one line when nothing listens at `url`. Clients retry a refused connection with
 * backoff (the BigQuery client for about 20 s), which only makes sense for a service that exists.
 */
export async function assertReachable(url: string, what: string): Promise<void> {
  const { hostname, port, protocol } = new URL(url);
  const portNumber = Number(port || (protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: portNumber });
    socket.setTimeout(5_000, () =>
      socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error) => reject(error));
  }).catch((error: unknown) => {
    throw failedStep(`${what} ${url}`, error);
  });
}
