import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../cli/commands/operate/doctor.js';
import { checkSourceDatabase, setupFix } from '../../cli/doctor/source-checks.js';
import { runDms2bq } from '../support/cli.js';
import { sourceMappingFactory } from '../support/mappings.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The checks against a real server are in test/mysql/doctor-source.test.ts (npm run test:mysql);
// these cover what needs no server.
describe('doctor --source-url', () => {
  it('is refused without --source, as a usage error', async () => {
    // Act
    const run = await runDms2bq(
      [doctorCommand()],
      ['doctor', '--stage', 'prod', '--source-url', 'mysql://dms2bq:s3cret@127.0.0.1:3306'],
    );

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('--source-url needs --source: one source database at a time\n');
  });

  it('fails the connection in one line naming the host, not the password', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const results = await checkSourceDatabase(
      `mysql://dms2bq:s3cret@127.0.0.1:${port}`,
      sourceMappingFactory(),
    );

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ check: 'source shop connection', status: 'fail' });
    expect(results[0]?.detail).toMatch(/ECONNREFUSED/);
    expect(results[0]?.fix).toBe(
      `check mysql://dms2bq:***@127.0.0.1:${port}: the host, the DMS user's password and the network path from here; no DMS user yet: ${setupFix('shop')}`,
    );
  });

  it('refuses a URL that is not mysql://', async () => {
    // Act
    const results = await checkSourceDatabase('postgres://dms2bq:s3cret@db:5432', sourceMappingFactory());

    // Assess
    expect(results).toEqual([
      {
        check: 'source shop connection',
        status: 'fail',
        detail: 'not a mysql:// URL: postgres://dms2bq:***@db:5432',
        fix: 'pass mysql://user:password@host:3306',
      },
    ]);
  });
});
