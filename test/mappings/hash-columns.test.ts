import { describe, expect, it } from 'vitest';
import type { TableMapping } from '../../lambdas/shared/mappings/model.js';
import { validateDocuments } from '../../lambdas/shared/mappings/validate.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const users = (overrides: Partial<TableMapping>) =>
  sourceMappingFactory({
    tables: [
      tableMappingFactory({
        schema: 'game',
        table: 'users',
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'login', type: 'varchar(32)' },
          { name: 'email', type: 'varchar(255)' },
          { name: 'birth_date', type: 'date', nullable: true },
          { name: 'bio', type: 'text', nullable: true },
        ],
        ...overrides,
      }),
    ],
  });

const problemsOf = (document: unknown) =>
  validateDocuments([{ file: 'mappings/shop.json', document }]).problems.map(
    (p) => `${p.file}: ${p.path}: ${p.message}`,
  );

describe('validate: hashColumns', () => {
  it.each([
    { name: 'a VARCHAR column', overrides: { hashColumns: ['email'] } },
    { name: 'a VARCHAR key column', overrides: { primaryKey: ['login'], hashColumns: ['login'] } },
    {
      name: 'a hashed column beside an excluded one',
      overrides: { hashColumns: ['email'], excludeColumns: ['bio'] },
    },
  ])('accepts $name', ({ overrides }) => {
    // Act
    const problems = problemsOf(users(overrides));

    // Assess
    expect(problems).toEqual([]);
  });

  it('accepts the shipped example, which hashes game.users.email', async () => {
    // Prepare
    const { readFile } = await import('node:fs/promises');
    const example = JSON.parse(await readFile('mappings/casino_a.json', 'utf8'));

    // Act
    const problems = validateDocuments([{ file: 'mappings/casino_a.json', document: example }]).problems;

    // Assess
    expect(problems).toEqual([]);
    expect(example.tables.find((t: TableMapping) => t.table === 'users').hashColumns).toEqual(['email']);
  });

  it.each([
    {
      name: 'a column both hashed and excluded',
      overrides: { hashColumns: ['email'], excludeColumns: ['email'] },
      expected:
        'mappings/shop.json: /tables/0/hashColumns/0: column "email" is in both hashColumns and excludeColumns; keep it in hashColumns to join on its hash, or in excludeColumns to drop it',
    },
    {
      name: 'a hashed key column whose type would change',
      overrides: { hashColumns: ['id'] },
      expected:
        'mappings/shop.json: /tables/0/hashColumns/0: column "id" is part of the primary key and is bigint: DMS hashes only CHAR or VARCHAR, and hashing would turn the key into a 64-character STRING in BigQuery; remove it from hashColumns (a key column can be hashed only when it is already CHAR or VARCHAR)',
    },
    {
      name: 'a DATE column DMS cannot hash',
      overrides: { hashColumns: ['birth_date'] },
      expected:
        'mappings/shop.json: /tables/0/hashColumns/0: column "birth_date" is date: DMS\'s hashing mask takes CHAR or VARCHAR columns only and fails the task on any other; remove it from hashColumns, or list it in excludeColumns',
    },
    {
      name: 'a TEXT column (a LOB to DMS)',
      overrides: { hashColumns: ['email', 'bio'] },
      expected:
        'mappings/shop.json: /tables/0/hashColumns/1: column "bio" is text: DMS\'s hashing mask takes CHAR or VARCHAR columns only',
    },
    {
      name: 'a column not declared in columns',
      overrides: { hashColumns: ['mail'] },
      expected:
        'mappings/shop.json: /tables/0/hashColumns/0: column "mail" is hashed but not listed in "columns"; declare it with its MySQL type so validate can check DMS can hash it',
    },
  ])('refuses $name, naming file, pointer and fix', ({ overrides, expected }) => {
    // Act
    const problems = problemsOf(users(overrides));

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('refuses a column listed twice in hashColumns by schema', () => {
    // Act
    const problems = problemsOf(users({ hashColumns: ['email', 'email'] }));

    // Assess
    expect(problems[0]).toMatch(/^mappings\/shop\.json: \/tables\/0\/hashColumns: /);
  });
});
