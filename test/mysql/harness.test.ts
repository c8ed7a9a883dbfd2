import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findBinary } from './support/binaries.js';
import { startMariadb, useMariadb } from './support/mariadb.js';

const server = useMariadb();

describe('the MariaDB test server', () => {
  it('runs with the binary log DMS needs', async () => {
    // Prepare
    const connection = await server().connect();

    // Act
    const [rows] = await connection.query(
      'SELECT @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image, @@server_id AS serverId',
    );
    await connection.end();

    // Assess
    expect(rows).toEqual([{ logBin: 1, format: 'ROW', image: 'FULL', serverId: 1 }]);
  });

  it('is deleted with its data directory when stopped', async () => {
    // Prepare
    const other = await startMariadb({ serverArgs: [] });
    await other.exec('CREATE DATABASE gone');
    const connection = await other.connect();
    const [rows] = await connection.query('SELECT @@datadir AS dir');
    await connection.end();
    const dir = (rows as { dir: string }[])[0]?.dir ?? '';

    // Act
    await other.stop();

    // Assess
    await expect(access(dir)).rejects.toThrow(/ENOENT/);
  });

  it('names the package to install when a MariaDB binary is missing', () => {
    // Act
    const finding = () => findBinary('mariadbd-that-is-not-installed');

    // Assess
    expect(finding).toThrow(
      'mariadbd-that-is-not-installed not found on PATH or in /usr/sbin: install MariaDB (sudo apt-get install mariadb-server) or set MARIADB_BIN_DIR to its bin directory',
    );
  });
});
