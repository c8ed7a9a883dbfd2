import { DuckDBInstance } from '@duckdb/node-api';
import { installMacros } from './local/bigquery-emulator/query/macros.ts';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`ATTACH IF NOT EXISTS ':memory:' AS "bq-fn"`);
await installMacros(c);
const c2 = await db.connect();
for (const sql of process.argv.slice(2)) {
  try { const r = await c2.runAndReadAll(sql); console.log(sql, '=>', JSON.stringify(r.getRowsJson()), r.columnTypes().map(String).join(',')); }
  catch (e) { console.log(sql, '=> ERR', e.message.split('\n')[0]); }
}
