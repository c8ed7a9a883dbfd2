import { type ConformanceCase, date, datetime, docs, int, str, timestamp } from './case.js';

const ts = "TIMESTAMP '2008-12-25 15:30:00+00'";

/** Date, DATETIME and TIMESTAMP functions, with the examples of their reference pages. */
export const dateTimeCases: ConformanceCase[] = [
  {
    name: 'DATE_ADD and DATE_SUB on a DATE return a DATE',
    doc: docs.date,
    sql: "SELECT DATE_ADD(DATE '2008-12-25', INTERVAL 5 DAY), DATE_SUB(DATE '2008-12-25', INTERVAL 5 DAY)",
    columns: [date('2008-12-30'), date('2008-12-20')],
  },
  {
    name: 'DATE_ADD by MONTH clamps to the last day of the month',
    doc: docs.date,
    sql: "SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)",
    columns: [date('2024-02-29')],
  },
  {
    name: 'DATE_DIFF in days',
    doc: docs.date,
    sql: "SELECT DATE_DIFF(DATE '2010-07-07', DATE '2008-12-25', DAY)",
    columns: [int('559')],
  },
  {
    name: 'DATE_DIFF counts WEEK boundaries from Sunday, ISOWEEK from Monday',
    doc: docs.date,
    sql: "SELECT DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK), DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', ISOWEEK)",
    columns: [int('1'), int('0')],
  },
  {
    name: 'DATE_DIFF counts YEAR boundaries',
    doc: docs.date,
    sql: "SELECT DATE_DIFF(DATE '2017-12-30', DATE '2014-12-30', YEAR)",
    columns: [int('3')],
  },
  {
    name: 'DATE_DIFF counts MONTH boundaries, not whole months',
    doc: docs.date,
    sql: "SELECT DATE_DIFF(DATE '2024-02-01', DATE '2024-01-31', MONTH)",
    columns: [int('1')],
  },
  {
    name: 'DATE_TRUNC with MONTH, WEEK (Sunday) and ISOWEEK (Monday) returns a DATE',
    doc: docs.date,
    sql: "SELECT DATE_TRUNC(DATE '2008-12-25', MONTH), DATE_TRUNC(DATE '2008-12-25', WEEK), DATE_TRUNC(DATE '2008-12-25', ISOWEEK)",
    columns: [date('2008-12-01'), date('2008-12-21'), date('2008-12-22')],
  },
  {
    name: 'DATE(year, month, day) and DATE(TIMESTAMP)',
    doc: docs.date,
    sql: `SELECT DATE(2016, 12, 25), DATE(${ts})`,
    columns: [date('2016-12-25'), date('2008-12-25')],
  },
  {
    name: 'EXTRACT: DAYOFWEEK counts from Sunday = 1',
    doc: docs.date,
    sql: "SELECT EXTRACT(DAYOFWEEK FROM DATE '2008-12-25'), EXTRACT(YEAR FROM DATE '2008-12-25'), EXTRACT(DAYOFYEAR FROM DATE '2008-12-25')",
    columns: [int('5'), int('2008'), int('360')],
  },
  {
    name: 'LAST_DAY, FORMAT_DATE and PARSE_DATE',
    doc: docs.date,
    sql: "SELECT LAST_DAY(DATE '2008-11-25'), FORMAT_DATE('%Y%m%d', DATE '2008-12-25'), PARSE_DATE('%Y%m%d', '20081225')",
    columns: [date('2008-11-30'), str('20081225'), date('2008-12-25')],
  },
  {
    name: 'UNIX_DATE and DATE_FROM_UNIX_DATE',
    doc: docs.date,
    sql: "SELECT UNIX_DATE(DATE '2008-12-25'), DATE_FROM_UNIX_DATE(14238)",
    columns: [int('14238'), date('2008-12-25')],
  },
  {
    name: 'CURRENT_DATE() is a DATE',
    doc: docs.date,
    sql: 'SELECT CURRENT_DATE()',
    columns: [{ type: 'DATE' }],
  },
  {
    name: 'DATETIME from parts, from a TIMESTAMP, and from a DATE',
    doc: docs.datetime,
    sql: `SELECT DATETIME(2008, 12, 25, 05, 30, 00), DATETIME(${ts}), DATETIME(DATE '2008-12-25')`,
    columns: [
      datetime('2008-12-25T05:30:00'),
      datetime('2008-12-25T15:30:00'),
      datetime('2008-12-25T00:00:00'),
    ],
  },
  {
    name: 'DATETIME_ADD, DATETIME_TRUNC and FORMAT_DATETIME',
    doc: docs.datetime,
    sql: "SELECT DATETIME_ADD(DATETIME '2008-12-25 15:30:00', INTERVAL 10 MINUTE), DATETIME_TRUNC(DATETIME '2008-12-25 15:30:00', DAY), FORMAT_DATETIME('%Y-%m-%d %H:%M', DATETIME '2008-12-25 15:30:00')",
    columns: [datetime('2008-12-25T15:40:00'), datetime('2008-12-25T00:00:00'), str('2008-12-25 15:30')],
  },
  {
    name: 'TIMESTAMP_ADD and TIMESTAMP_SUB',
    doc: docs.timestamp,
    sql: `SELECT TIMESTAMP_ADD(${ts}, INTERVAL 10 MINUTE), TIMESTAMP_SUB(${ts}, INTERVAL 10 MINUTE)`,
    columns: [timestamp('2008-12-25T15:40:00.000000Z'), timestamp('2008-12-25T15:20:00.000000Z')],
  },
  {
    name: 'TIMESTAMP_DIFF counts whole parts elapsed',
    doc: docs.timestamp,
    sql: `SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', ${ts}, HOUR),
      TIMESTAMP_DIFF(TIMESTAMP '2018-08-14', TIMESTAMP '2018-10-14', DAY),
      TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)`,
    columns: [int('13410'), int('-61'), int('0')],
  },
  {
    name: 'TIMESTAMP_TRUNC to DAY, HOUR and WEEK (Sunday)',
    doc: docs.timestamp,
    sql: `SELECT TIMESTAMP_TRUNC(${ts}, DAY), TIMESTAMP_TRUNC(${ts}, HOUR), TIMESTAMP_TRUNC(TIMESTAMP '2017-11-06 00:00:00+00', WEEK)`,
    columns: [
      timestamp('2008-12-25T00:00:00.000000Z'),
      timestamp('2008-12-25T15:00:00.000000Z'),
      timestamp('2017-11-05T00:00:00.000000Z'),
    ],
  },
  {
    name: 'FORMAT_TIMESTAMP',
    doc: docs.timestamp,
    sql: `SELECT FORMAT_TIMESTAMP('%b-%d-%Y', ${ts}), FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S %Z', ${ts}, 'UTC')`,
    columns: [str('Dec-25-2008'), str('2008-12-25 15:30:00 UTC')],
  },
  {
    name: 'UNIX_MICROS, UNIX_MILLIS and UNIX_SECONDS',
    doc: docs.timestamp,
    sql: `SELECT UNIX_MICROS(${ts}), UNIX_MILLIS(${ts}), UNIX_SECONDS(${ts})`,
    columns: [int('1230219000000000'), int('1230219000000'), int('1230219000')],
  },
  {
    name: 'TIMESTAMP_MICROS, TIMESTAMP_MILLIS and TIMESTAMP_SECONDS',
    doc: docs.timestamp,
    sql: 'SELECT TIMESTAMP_MICROS(1230219000000000), TIMESTAMP_MILLIS(1230219000000), TIMESTAMP_SECONDS(1230219000)',
    columns: [
      timestamp('2008-12-25T15:30:00.000000Z'),
      timestamp('2008-12-25T15:30:00.000000Z'),
      timestamp('2008-12-25T15:30:00.000000Z'),
    ],
  },
  {
    name: 'TIMESTAMP(string) and EXTRACT(HOUR FROM TIMESTAMP)',
    doc: docs.timestamp,
    sql: `SELECT TIMESTAMP('2008-12-25 15:30:00+00'), EXTRACT(HOUR FROM ${ts})`,
    columns: [timestamp('2008-12-25T15:30:00.000000Z'), int('15')],
  },
  {
    name: 'PARSE_TIMESTAMP with the DMS _dms_timestamp format keeps microseconds',
    doc: docs.timestamp,
    sql: "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', '2024-05-01 10:00:00.000001')",
    columns: [timestamp('2024-05-01T10:00:00.000001Z')],
  },
  {
    name: 'CURRENT_TIMESTAMP() is a TIMESTAMP',
    doc: docs.timestamp,
    sql: 'SELECT CURRENT_TIMESTAMP()',
    columns: [{ type: 'TIMESTAMP' }],
  },
];
