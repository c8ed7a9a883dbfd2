import { age, type Cell, count, renderTable } from '../../text-table.js';
import { LOAD_JOBS_PER_DAY, type PipelineStatus, type TableStatus } from './collect.js';

/** Tables with problems first, then by name. */
export const sortStatuses = (tables: readonly TableStatus[]): TableStatus[] =>
  [...tables].sort(
    (a, b) =>
      Number(b.problems.length > 0) - Number(a.problems.length > 0) ||
      `${a.route.source}.${a.route.targetTable}`.localeCompare(`${b.route.source}.${b.route.targetTable}`),
  );

const fileName = (key: string): string => key.split('/').at(-1) ?? key;

export function renderStatus(status: PipelineStatus): string {
  const now = status.generatedAt.getTime();
  const ago = (time: Date | undefined) => (time ? `${age(now - time.getTime())} ago` : '-');
  const rows: Cell[][] = sortStatuses(status.tables).map((table) => {
    const { dms } = table;
    const stale = table.newestChange && now - table.newestChange.getTime() > status.freshnessSloMs;
    return [
      { text: `${table.route.source}.${table.route.targetTable}` },
      { text: dms.taskStatus ?? 'missing', tone: dms.taskStatus === 'running' ? 'good' : 'bad' },
      { text: dms.tableState ?? '-', tone: dms.tableState === 'Table error' ? 'bad' : 'plain' },
      {
        text:
          dms.fullLoadRows === undefined
            ? '-'
            : `${count(dms.fullLoadRows)}/${count(dms.inserts ?? 0)}/${count(dms.updates ?? 0)}/${count(dms.deletes ?? 0)}`,
      },
      { text: table.landed ? `${fileName(table.landed.key)} ${ago(table.landed.time)}` : '-' },
      { text: table.loaded ? `${table.loaded.file} ${ago(table.loaded.time)}` : '-' },
      {
        text: table.newestChange ? age(now - table.newestChange.getTime()) : '-',
        tone: stale ? 'bad' : 'plain',
      },
      {
        text: `${status.loadJobsComplete ? '' : '≥'}${count(table.loadJobs24h)}/${count(LOAD_JOBS_PER_DAY)}`,
        tone: table.loadJobs24h > LOAD_JOBS_PER_DAY * 0.8 ? 'warn' : 'plain',
      },
      { text: table.problems.join(', ') || 'ok', tone: table.problems.length ? 'bad' : 'good' },
    ];
  });
  const lines = [
    renderTable(
      [
        'TABLE',
        'DMS TASK',
        'DMS TABLE',
        'DMS FULL/INS/UPD/DEL',
        'NEWEST LANDED',
        'NEWEST LOADED',
        'FRESHNESS',
        'LOAD JOBS 24H',
        'PROBLEMS',
      ],
      rows,
    ),
    'FRESHNESS: now minus the newest _dms_timestamp (source commit time) in the changelog.',
    `DLQ: ${count(status.deadLetterDepth)} message(s)${status.deadLetterDepth > 0 ? ' (docs/runbooks/dlq-not-empty.md)' : ''}`,
    status.alarms.length
      ? `alarms in ALARM: ${status.alarms.map((alarm) => alarm.name).join(', ')}`
      : 'alarms in ALARM: none',
  ];
  const troubled = status.tables.filter((table) => table.problems.length > 0).length;
  lines.push(
    troubled || status.deadLetterDepth || status.alarms.length
      ? `${troubled} of ${status.tables.length} table(s) need attention (${status.target})`
      : `all ${status.tables.length} table(s) healthy (${status.target})`,
  );
  return `${lines.join('\n')}\n`;
}

/** The documented `--json` shape (docs/operations.md#status). Times are ISO-8601, ages in seconds. */
export function statusJson(status: PipelineStatus) {
  const now = status.generatedAt.getTime();
  const seconds = (time: Date | undefined) => (time ? Math.round((now - time.getTime()) / 1000) : null);
  return {
    target: status.target,
    generatedAt: status.generatedAt.toISOString(),
    deadLetterDepth: status.deadLetterDepth,
    alarms: status.alarms.map((alarm) => ({
      name: alarm.name,
      reason: alarm.reason,
      table: alarm.table ?? null,
    })),
    loadJobsComplete: status.loadJobsComplete,
    tables: sortStatuses(status.tables).map((table) => ({
      source: table.route.source,
      schema: table.route.schema,
      table: table.route.table,
      dataset: table.route.dataset,
      targetTable: table.route.targetTable,
      dms: {
        task: table.dms.task,
        taskStatus: table.dms.taskStatus ?? null,
        tableState: table.dms.tableState ?? null,
        fullLoadRows: table.dms.fullLoadRows ?? null,
        inserts: table.dms.inserts ?? null,
        updates: table.dms.updates ?? null,
        deletes: table.dms.deletes ?? null,
      },
      newestLanded: table.landed ? { key: table.landed.key, time: table.landed.time.toISOString() } : null,
      newestLoaded: table.loaded
        ? { file: table.loaded.file, jobId: table.loaded.jobId, time: table.loaded.time.toISOString() }
        : null,
      newestChange: table.newestChange?.toISOString() ?? null,
      freshnessSeconds: seconds(table.newestChange),
      loadJobs24h: table.loadJobs24h,
      loadJobsQuota: LOAD_JOBS_PER_DAY,
      alarms: table.alarms.map((alarm) => alarm.name),
      problems: table.problems,
    })),
  };
}
