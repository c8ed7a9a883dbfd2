import { describe, expect, it } from 'vitest';
import {
  CdcStreamError,
  grpcCodeName,
  isPropagationRefusal,
  refusedAppend,
} from '../../lambdas/shared/bigquery/cdc-errors.js';

/**
 * How a Storage Write API refusal becomes the loader's error: the gRPC status name (google.rpc.Code),
 * whether another attempt can pass, the "extra fields" BigQuery names, and the row errors in the
 * message an operator reads.
 */

describe('grpcCodeName', () => {
  it('names each google.rpc.Code by its number', () => {
    // Act
    const names = Array.from({ length: 17 }, (_, code) => grpcCodeName(code));

    // Assess
    expect(names).toEqual([
      'OK',
      'CANCELLED',
      'UNKNOWN',
      'INVALID_ARGUMENT',
      'DEADLINE_EXCEEDED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PERMISSION_DENIED',
      'RESOURCE_EXHAUSTED',
      'FAILED_PRECONDITION',
      'ABORTED',
      'OUT_OF_RANGE',
      'UNIMPLEMENTED',
      'INTERNAL',
      'UNAVAILABLE',
      'DATA_LOSS',
      'UNAUTHENTICATED',
    ]);
  });

  it.each([17, -1, '14', undefined, null])('answers UNKNOWN for %s', (code) => {
    // Act + Assess
    expect(grpcCodeName(code)).toBe('UNKNOWN');
  });
});

describe('CdcStreamError', () => {
  it.each([
    'CANCELLED',
    'UNKNOWN',
    'DEADLINE_EXCEEDED',
    'RESOURCE_EXHAUSTED',
    'ABORTED',
    'INTERNAL',
    'UNAVAILABLE',
  ])('lets another attempt try after %s', (code) => {
    // Act
    const error = new CdcStreamError(code, 'try again');

    // Assess
    expect(error.retryable).toBe(true);
  });

  it.each([
    'INVALID_ARGUMENT',
    'NOT_FOUND',
    'PERMISSION_DENIED',
    'FAILED_PRECONDITION',
    'ALREADY_EXISTS',
    '',
  ])('needs someone to act after "%s"', (code) => {
    // Act
    const error = new CdcStreamError(code, 'no');

    // Assess
    expect(error.retryable).toBe(false);
  });

  it('carries its code in its name-tagged message', () => {
    // Act
    const error = new CdcStreamError('NOT_FOUND', 'table gone');

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe('CdcStreamError: NOT_FOUND: table gone');
    expect(error.code).toBe('NOT_FOUND');
  });

  it('reads the extra fields of an INVALID_ARGUMENT refusal, trimmed, in order', () => {
    // Act
    const error = new CdcStreamError(
      'INVALID_ARGUMENT',
      "Input schema has more fields than BigQuery schema, extra fields: 'note, Bonus_Points,x' Entity: t",
    );

    // Assess
    expect(error.extraFields).toEqual(['note', 'Bonus_Points', 'x']);
  });

  it('reads no extra fields from another code, or from an empty list', () => {
    // Act
    const otherCode = new CdcStreamError(
      'INTERNAL',
      "Input schema has more fields than BigQuery schema, extra fields: 'note'",
    );
    const emptyList = new CdcStreamError(
      'INVALID_ARGUMENT',
      "Input schema has more fields than BigQuery schema, extra fields: ''",
    );

    // Assess
    expect(otherCode.extraFields).toEqual([]);
    expect(emptyList.extraFields).toEqual([]);
  });
});

describe('isPropagationRefusal', () => {
  const refusal = (fields: string) =>
    new CdcStreamError(
      'INVALID_ARGUMENT',
      `Input schema has more fields than BigQuery schema, extra fields: '${fields}'`,
    );

  it('takes extra fields that are all columns of the table for a change not yet propagated', () => {
    // Act + Assess
    expect(
      isPropagationRefusal(refusal('Note,bonus'), [{ name: 'id' }, { name: 'note' }, { name: 'BONUS' }]),
    ).toBe(true);
  });

  it('takes an extra field the table does not have for a real refusal, even beside one it has', () => {
    // Act + Assess
    expect(isPropagationRefusal(refusal('note,_CHANGE_TYPE'), [{ name: 'id' }, { name: 'note' }])).toBe(
      false,
    );
  });

  it('takes NOT_FOUND for propagation, and any other error for a refusal', () => {
    // Act + Assess
    expect(isPropagationRefusal(new CdcStreamError('NOT_FOUND', 'no table'), [])).toBe(true);
    expect(isPropagationRefusal(new CdcStreamError('INVALID_ARGUMENT', 'bad row'), [{ name: 'id' }])).toBe(
      false,
    );
    expect(isPropagationRefusal(new Error('NOT_FOUND'), [])).toBe(false);
  });
});

describe('refusedAppend', () => {
  it('names the table, the message and each row error, counted from the call’s first row', () => {
    // Act
    const error = refusedAppend(
      'ds.bets_current',
      3,
      'Errors found while processing rows.',
      [
        { index: 0, code: 'INVALID', message: 'amount out of range' },
        { index: 2, code: 'INVALID' },
      ],
      100,
    );

    // Assess
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'INVALID_ARGUMENT: AppendRows to ds.bets_current refused: Errors found while processing rows.; ' +
        'row 100: INVALID amount out of range; row 102: INVALID',
    );
  });

  it('shows five row errors and counts the rest', () => {
    // Prepare
    const rows = Array.from({ length: 7 }, (_, index) => ({
      index,
      code: 'INVALID',
      message: `bad ${index}`,
    }));

    // Act
    const error = refusedAppend('ds.t', 3, 'refused', rows, 0);

    // Assess
    expect(error.message).toBe(
      'INVALID_ARGUMENT: AppendRows to ds.t refused: refused; row 0: INVALID bad 0; row 1: INVALID bad 1; ' +
        'row 2: INVALID bad 2; row 3: INVALID bad 3; row 4: INVALID bad 4; … 2 more',
    );
  });

  it('shows exactly five row errors without a count', () => {
    // Prepare
    const rows = Array.from({ length: 5 }, (_, index) => ({ index, code: 'INVALID' }));

    // Act
    const error = refusedAppend('ds.t', 3, 'refused', rows, 0);

    // Assess
    expect(error.message).toBe(
      'INVALID_ARGUMENT: AppendRows to ds.t refused: refused; row 0: INVALID; row 1: INVALID; row 2: INVALID; ' +
        'row 3: INVALID; row 4: INVALID',
    );
  });

  it('says so when the refusal has no message, a row error no index, code or message, or the code no name', () => {
    // Act
    const error = refusedAppend('ds.t', undefined, undefined, [{}], 7);

    // Assess
    expect(error.code).toBe('UNKNOWN');
    expect(error.message).toBe('UNKNOWN: AppendRows to ds.t refused: no message; row 7:');
  });
});
