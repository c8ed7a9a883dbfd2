import { type ApplyResult, rebuildCurrentCommand } from '../../../lambdas/shared/warehouse/apply.js';
import { output } from '../../io.js';

/** One line per object `warehouse apply` created, changed or kept, then what is left to do. */
export function printApplyResult(result: ApplyResult, { backfilling = false } = {}): void {
  const print = (verb: string, names: string[]) => {
    for (const name of names) output().out(`${verb} ${name}\n`);
  };
  print('created dataset', result.datasetsCreated);
  print('granted', result.accessGranted);
  print('created table', result.changelogsCreated);
  print('created view', result.viewsCreated);
  print('updated view', result.viewsUpdated);
  print('unchanged view', result.viewsUnchanged);
  for (const name of result.viewsReplacingTables) {
    output().out(`replaced the CDC table ${name} with a view ("current": "view")\n`);
  }
  print('created CDC table', result.currentTablesCreated);
  for (const { table, reason } of result.currentTablesReplacing) {
    output().out(`replaced ${table} with a CDC table ("current": "table"): ${reason}\n`);
  }
  for (const { table, changes } of result.currentTablesUpdated) {
    output().out(`updated CDC table ${table}: ${changes.join('; ')}\n`);
  }
  print('unchanged CDC table', result.currentTablesUnchanged);
  print('created history view', result.historyViewsCreated);
  print('updated history view', result.historyViewsUpdated);
  print('unchanged history view', result.historyViewsUnchanged);
  for (const name of result.historyViewsDeleted) {
    output().out(`deleted history view ${name} ("history": false)\n`);
  }
  for (const { changelog, current } of result.waitingForFirstLoad) {
    const what = current === 'view' ? 'its view' : 'its CDC table';
    output().out(
      `waiting for ${changelog}: its mapping declares no columns, so the loader creates the table and ${what} with the first file\n`,
    );
  }
  for (const { table, changelog, rows } of result.needsBackfill) {
    const held = `${changelog} holds ${rows.toLocaleString('en-US')} ${rows === 1 ? 'change' : 'changes'} from before`;
    output().out(
      backfilling
        ? `backfilling ${table}: ${held}\n`
        : `backfill needed: ${table} starts empty, but ${held}; fill it with: ${rebuildCurrentCommand(changelog)} (or apply --backfill)\n`,
    );
  }
}
