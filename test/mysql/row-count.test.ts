import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMysqlRowCounter, type MysqlRowCounter } from '../../cli/operate/mysql-row-count.js';
import type { DmsTaskView } from '../../lambdas/shared/dms/table-statistics.js';
import { reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import { betsRoute, dmsParquet, s3Notification } from '../loader/fixtures.js';
import { cdcKeyAt, type LoaderHarness, PROJECT, startLoaderHarness } from '../loader/harness.js';
import { useMariadb } from './support/mariadb.js';

const server = useMariadb();
const NOW = new Date('2024-03-28T00:00:00Z');

/** DMS's statistics for game.bets as the loaded file has them: 4 inserts and 1 update, settled. */
const task: DmsTaskView = {
  identifier: 'dms2bq-dev-casino-a',
  arn: 'arn:aws:dms:eu-west-1:111111111111:task:ABCDEFGHIJKLMNOP',
  status: 'running',
  tables: [
    {
      schema: 'game',
      table: 'bets',
      state: 'Table completed',
      fullLoadRows: 0,
      inserts: 4,
      updates: 1,
      deletes: 0,
      fullLoadStartTime: new Date('2024-03-27T00:00:00Z'),
      lastUpdateTime: new Date('2024-03-27T02:00:00Z'),
      reloaded: false,
    },
  ],
};

describe('source row counts from MariaDB', () => {
  let harness: LoaderHarness;
  let counter: MysqlRowCounter;

  beforeAll(async () => {
    harness = await startLoaderHarness();
    // ids 1..5, Op I I U I I: five keys in _current.
    await harness.put(cdcKeyAt(1), dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, cdcKeyAt(1))]);
    await server().exec(`
      CREATE DATABASE game;
      CREATE TABLE game.bets (id BIGINT PRIMARY KEY, amount DOUBLE);
      INSERT INTO game.bets VALUES (1, 0.5), (2, 1.5), (3, 2.5), (4, 3.5), (5, 4.5);
      CREATE USER 'reader'@'%' IDENTIFIED BY 'pw';
      GRANT SELECT ON game.* TO 'reader'@'%';`);
    counter = await connectMysqlRowCounter(server().url('reader', 'pw'));
  }, 120_000);

  afterAll(async () => {
    await counter?.close();
    await harness?.stop();
  });

  const reconcile = () =>
    reconcileTables({
      routes: [betsRoute],
      statistics: async () => task,
      bigquery: harness.bigquery,
      projectId: PROJECT,
      now: NOW,
      sourceRows: counter.count,
    });

  it('counts the rows of the source table as the read-only user', async () => {
    // Act
    const rows = await counter.count(betsRoute);

    // Assess
    expect(rows).toBe(5);
  });

  it('finds _current and the source equal when they hold the same keys', async () => {
    // Act
    const [bets] = await reconcile();

    // Assess
    expect(bets?.rows).toEqual({ sourceRows: 5, currentRows: 5, difference: 0 });
    expect(bets?.drifting).toBe(false);
  });

  it('reports drift when the source holds a row BigQuery does not', async () => {
    // Prepare
    await server().exec('INSERT INTO game.bets VALUES (6, 5.5)');

    // Act
    const [bets] = await reconcile();
    await server().exec('DELETE FROM game.bets WHERE id = 6');

    // Assess
    expect(bets?.rows).toEqual({ sourceRows: 6, currentRows: 5, difference: -1 });
    expect(bets?.drifting).toBe(true);
  });

  it('quotes schema and table names as identifiers', async () => {
    // Prepare: a name a naive `${schema}.${table}` would break or inject through.
    await server().exec(`
      CREATE DATABASE \`odd-schema\`;
      CREATE TABLE \`odd-schema\`.\`bets; DROP TABLE x\` (id INT PRIMARY KEY);
      INSERT INTO \`odd-schema\`.\`bets; DROP TABLE x\` VALUES (1), (2);
      GRANT SELECT ON \`odd-schema\`.* TO 'reader'@'%';`);

    // Act
    const rows = await counter.count({ ...betsRoute, schema: 'odd-schema', table: 'bets; DROP TABLE x' });

    // Assess
    expect(rows).toBe(2);
  });

  it('fails naming the table when the read-only user may not read it', async () => {
    // Prepare
    await server().exec('CREATE DATABASE hidden; CREATE TABLE hidden.bets (id INT PRIMARY KEY)');

    // Act
    const counting = counter.count({ ...betsRoute, schema: 'hidden' });

    // Assess
    await expect(counting).rejects.toThrow(
      `cannot count hidden.bets at mysql://reader:***@127.0.0.1:${server().port}: SELECT command denied to user 'reader'@'localhost' for table \`hidden\`.\`bets\`; GRANT SELECT ON hidden.* to the read-only user`,
    );
  });
});
