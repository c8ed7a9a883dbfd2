import { describe, expect, it } from 'vitest';
import { MINIMUM_ENGINE_VERSION } from '../../infra/config.js';
import {
  DMS_MASKING_MIN_ENGINE_VERSION,
  dmsHashMask,
  hashableLength,
} from '../../lambdas/shared/dms/hash-mask.js';
import { buildReplicationSettings } from '../../lambdas/shared/dms/settings.js';
import { buildTableMappings } from '../../lambdas/shared/dms/table-mappings.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

describe('dmsHashMask', () => {
  it("gives AWS's documented example: C6BGJ566669K → 7CB0…0C75", () => {
    // Act
    const hash = dmsHashMask('C6BGJ566669K');

    // Assess
    expect(hash).toBe('7CB06784764C9030CCC41E25C15339FEB293FFE9B329A72B5FED564E99900C75');
  });

  it('hashes the UTF-8 bytes of non-ASCII text to 64 characters', () => {
    // Act
    const hash = dmsHashMask('zürich@東京.example');

    // Assess
    expect(hash).toMatch(/^[0-9A-F]{64}$/);
    expect(hash).not.toBe(dmsHashMask('zurich@東京.example'));
  });
});

describe('hashableLength', () => {
  it.each([
    ['varchar(255)', 255],
    ['CHAR(2)', 2],
    ['char', 1],
    ['text', undefined],
    ['bigint', undefined],
    ['json', undefined],
  ])('%s → %s', (type, expected) => {
    // Assess
    expect(hashableLength(type)).toBe(expected);
  });
});

describe('buildTableMappings with hashColumns', () => {
  const mapping = sourceMappingFactory({
    tables: [
      tableMappingFactory({
        schema: 'game',
        table: 'users',
        hashColumns: ['email', 'phone_no'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'email', type: 'varchar(255)' },
          { name: 'phone_no', type: 'varchar(32)' },
        ],
      }),
    ],
  });

  it('masks each hashed column with data-masking-hash-mask at column level', () => {
    // Act
    const masks = buildTableMappings(mapping).rules.filter(
      (rule) => rule['rule-action'] === 'data-masking-hash-mask',
    );

    // Assess
    expect(masks).toEqual([
      {
        'rule-type': 'transformation',
        'rule-id': '2',
        'rule-name': 'hash-game-users-email',
        'rule-target': 'column',
        'object-locator': { 'schema-name': 'game', 'table-name': 'users', 'column-name': 'email' },
        'rule-action': 'data-masking-hash-mask',
      },
      {
        'rule-type': 'transformation',
        'rule-id': '4',
        'rule-name': 'hash-game-users-phone_no',
        'rule-target': 'column',
        'object-locator': { 'schema-name': 'game', 'table-name': 'users', 'column-name': 'phone[_]no' },
        'rule-action': 'data-masking-hash-mask',
      },
    ]);
  });

  it('widens only a column narrower than the hash to a 64-character string, with a smaller rule-id', () => {
    // Act
    const rules = buildTableMappings(mapping).rules;

    // Assess
    const widen = rules.filter((rule) => rule['rule-action'] === 'change-data-type');
    expect(widen).toEqual([
      {
        'rule-type': 'transformation',
        'rule-id': '3',
        'rule-name': 'widen-game-users-phone_no',
        'rule-target': 'column',
        'object-locator': { 'schema-name': 'game', 'table-name': 'users', 'column-name': 'phone[_]no' },
        'rule-action': 'change-data-type',
        'data-type': { type: 'string', length: 64 },
      },
    ]);
    expect(rules.at(-1)?.['rule-name']).toBe('add-change-seq');
  });
});

describe('buildReplicationSettings with hashColumns', () => {
  it('pins DataMaskingErrorPolicy to STOP_TASK, so a failed mask never loads the clear value', () => {
    // Prepare
    const hashed = sourceMappingFactory({
      tables: [
        tableMappingFactory({ hashColumns: ['email'], columns: [{ name: 'email', type: 'varchar(255)' }] }),
      ],
    });

    // Act
    const settings = buildReplicationSettings(hashed);

    // Assess
    expect(settings).toMatchObject({ ErrorBehavior: { DataMaskingErrorPolicy: 'STOP_TASK' } });
    expect(buildReplicationSettings(sourceMappingFactory())).not.toHaveProperty('ErrorBehavior');
  });
});

describe('the engine version masking needs', () => {
  it("is covered by the stage config's minimum engine version, so every stage can hash", () => {
    // Prepare
    const parts = (version: string) => version.split('.').map(Number);
    const [major, minor, patch] = parts(MINIMUM_ENGINE_VERSION);
    const [needMajor, needMinor, needPatch] = parts(DMS_MASKING_MIN_ENGINE_VERSION);

    // Act
    const atLeast =
      major !== needMajor
        ? (major ?? 0) > (needMajor ?? 0)
        : minor !== needMinor
          ? (minor ?? 0) > (needMinor ?? 0)
          : (patch ?? 0) >= (needPatch ?? 0);

    // Assess
    expect(DMS_MASKING_MIN_ENGINE_VERSION).toBe('3.5.4');
    expect(atLeast).toBe(true);
  });
});
