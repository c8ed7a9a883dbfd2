import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { registerReconcileCommand } from '../../cli/commands/operate/reconcile.js';
import { connectMysqlRowCounter, redactUrl } from '../../cli/operate/mysql-row-count.js';
import { runDms2bq } from '../support/cli.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// No MySQL server runs in the main suite: the count against a real MariaDB is in
// test/mysql/row-count.test.ts (npm run test:mysql); these tests cover the connection's failure paths.
describe('the read-only source connection', () => {
  it('never prints the password', () => {
    // Act
    const text = redactUrl('mysql://reader:s3cret@db.internal:3306');

    // Assess
    expect(text).toBe('mysql://reader:***@db.internal:3306');
  });

  it('fails in one line naming the host when the source cannot be reached', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const connecting = connectMysqlRowCounter(`mysql://reader:s3cret@127.0.0.1:${port}`);

    // Assess
    await expect(connecting).rejects.toThrow(
      new RegExp(
        `^cannot connect to the source at mysql://reader:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  });

  it('refuses a URL that is not mysql://', async () => {
    // Act
    const connecting = connectMysqlRowCounter('postgres://reader:s3cret@db:5432');

    // Assess
    await expect(connecting).rejects.toThrow(
      '--source-url must be a mysql:// URL, got postgres://reader:***@db:5432',
    );
  });

  it('is refused by reconcile without --stage and --source', async () => {
    // Act
    const run = await runDms2bq(
      [registerReconcileCommand],
      ['reconcile', '--local', '--source-url', 'mysql://reader:s3cret@127.0.0.1:3306'],
    );

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('--source-url needs --stage and --source: one source database at a time\n');
  });
});
