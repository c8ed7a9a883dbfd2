import { duplicate, invalid, notFound } from '../errors.js';
import { DuckDbSyntaxError } from '../query/syntax.js';
import { type Statement, translateStatement } from '../query/translate.js';
import type { DatasetResource } from '../store/resources.js';
import { page, type Services } from './context.js';
import { formatFromQueryString, resultPage } from './query-results.js';
import { type RequestContext, type Router, readJson } from './router.js';

/** Only the emulator's own project exists. */
export function checkProject(services: Services, context: RequestContext): void {
  if (context.params.projectId !== services.projectId) throw notFound(`Project ${context.params.projectId}`);
}

const datasetListEntry = (dataset: DatasetResource) => ({
  kind: dataset.kind,
  id: dataset.id,
  datasetReference: dataset.datasetReference,
  location: dataset.location,
  ...(dataset.labels ? { labels: dataset.labels } : {}),
});

export function addCatalogRoutes(router: Router, services: Services): void {
  const { catalog } = services;
  const base = '/bigquery/v2/projects/{projectId}/datasets';

  router.add('GET', base, async (context) => {
    checkProject(services, context);
    const { items, nextPageToken } = page(catalog.listDatasets(), context.query);
    return {
      status: 200,
      body: {
        kind: 'bigquery#datasetList',
        datasets: items.map(datasetListEntry),
        ...(nextPageToken ? { nextPageToken } : {}),
      },
    };
  });
  router.add('POST', base, async (context) => {
    checkProject(services, context);
    return {
      status: 200,
      body: await catalog.createDataset((await readJson(context.req)) as Partial<DatasetResource>),
    };
  });
  router.add('GET', `${base}/{datasetId}`, async (context) => {
    checkProject(services, context);
    return { status: 200, body: catalog.dataset(context.params.datasetId ?? '') };
  });
  for (const method of ['PATCH', 'PUT']) {
    router.add(method, `${base}/{datasetId}`, async (context) => {
      checkProject(services, context);
      const body = (await readJson(context.req)) as Partial<DatasetResource>;
      return { status: 200, body: await catalog.patchDataset(context.params.datasetId ?? '', body) };
    });
  }
  router.add('DELETE', `${base}/{datasetId}`, async (context) => {
    checkProject(services, context);
    await catalog.deleteDataset(
      context.params.datasetId ?? '',
      context.query.get('deleteContents') === 'true',
    );
    return { status: 204 };
  });

  const tables = `${base}/{datasetId}/tables`;
  router.add('GET', tables, async (context) => {
    checkProject(services, context);
    const all = catalog.listTables(context.params.datasetId ?? '');
    const { items, nextPageToken } = page(all, context.query);
    const entries = items.map(
      ({ kind, id, tableReference, type, timePartitioning, clustering, labels, creationTime }) => ({
        kind,
        id,
        tableReference,
        type,
        creationTime,
        ...(timePartitioning ? { timePartitioning } : {}),
        ...(clustering ? { clustering } : {}),
        ...(labels ? { labels } : {}),
      }),
    );
    return {
      status: 200,
      body: {
        kind: 'bigquery#tableList',
        tables: entries,
        totalItems: all.length,
        ...(nextPageToken ? { nextPageToken } : {}),
      },
    };
  });
  router.add('POST', tables, async (context) => {
    checkProject(services, context);
    const datasetId = context.params.datasetId ?? '';
    const body = await readJson(context.req);
    const view = body.view as { query?: string; useLegacySql?: boolean } | undefined;
    if (view?.query === undefined) {
      const created = await catalog.createTable(datasetId, body);
      return { status: 200, body: await catalog.describeTable(datasetId, created.tableReference.tableId) };
    }
    return { status: 200, body: await createView(services, datasetId, body, view) };
  });
  router.add('GET', `${tables}/{tableId}`, async (context) => {
    checkProject(services, context);
    return {
      status: 200,
      body: await catalog.describeTable(context.params.datasetId ?? '', context.params.tableId ?? ''),
    };
  });
  for (const method of ['PATCH', 'PUT']) {
    router.add(method, `${tables}/{tableId}`, async (context) => {
      checkProject(services, context);
      const { datasetId = '', tableId = '' } = context.params;
      const body = await readJson(context.req);
      const view = body.view as { query?: string; useLegacySql?: boolean } | undefined;
      // tables.patch/update of a view's query replaces its definition, as CREATE OR REPLACE VIEW would,
      // but keeps the view's labels and description, as any patch keeps the fields it does not send.
      const existing = catalog.table(datasetId, tableId);
      if (view?.query !== undefined && existing.type === 'VIEW') {
        await defineView(services, datasetId, tableId, view, true);
      }
      const kept = { labels: existing.labels, description: existing.description };
      await catalog.patchTable(datasetId, tableId, { ...kept, ...body });
      return { status: 200, body: await catalog.describeTable(datasetId, tableId) };
    });
  }
  router.add('GET', `${tables}/{tableId}/data`, async (context) => {
    checkProject(services, context);
    const { datasetId = '', tableId = '' } = context.params;
    if (catalog.table(datasetId, tableId).type === 'VIEW') throw invalid('Cannot list a table of type VIEW.');
    const { result } = await services.queries.run(`SELECT * FROM \`${datasetId}.${tableId}\``, {
      measureBytes: false,
    });
    const start = Number(context.query.get('pageToken') ?? context.query.get('startIndex') ?? 0) || 0;
    const max = context.query.get('maxResults');
    const rows = resultPage(result, {
      start,
      ...(max === null ? {} : { max: Number(max) }),
      format: formatFromQueryString(context.query),
    });
    return { status: 200, body: { kind: 'bigquery#tableDataList', ...rows, schema: undefined } };
  });
  router.add('DELETE', `${tables}/{tableId}`, async (context) => {
    checkProject(services, context);
    await catalog.deleteTable(context.params.datasetId ?? '', context.params.tableId ?? '');
    return { status: 204 };
  });
}

/** tables.insert with `view.query`: the same translation as CREATE VIEW. */
async function createView(
  services: Services,
  datasetId: string,
  body: Record<string, unknown>,
  view: { query?: string; useLegacySql?: boolean },
) {
  const tableId = (body.tableReference as { tableId?: string } | undefined)?.tableId ?? '';
  await defineView(services, datasetId, tableId, view, false);
  // A view keeps the labels and description it was created with, as a table does.
  const { labels, description } = body;
  if (labels !== undefined || description !== undefined)
    await services.catalog.patchTable(datasetId, tableId, { labels, description });
  const created = services.catalog.table(datasetId, tableId);
  return { ...(await services.catalog.describeTable(datasetId, tableId)), id: created.id };
}

/**
 * Stores a view's query. The REST API's ViewDefinition.useLegacySql "defaults to true": BigQuery
 * parses such a view as legacy SQL, where a GoogleSQL query (backquoted `project.dataset.table`,
 * QUALIFY, EXCEPT) fails. The emulator has no legacy SQL, so it refuses any view that does not set
 * useLegacySql to false — a client that forgets it fails here as its GoogleSQL view would there.
 */
async function defineView(
  services: Services,
  datasetId: string,
  tableId: string,
  view: { query?: string; useLegacySql?: boolean },
  replace: boolean,
): Promise<void> {
  const query = view.query ?? '';
  if (view.useLegacySql !== false) {
    throw invalid(
      'Invalid view query: view.useLegacySql is unset or true, so the query would be parsed as legacy SQL; the BigQuery emulator supports GoogleSQL views only (set useLegacySql to false)',
    );
  }
  let statement: Extract<Statement, { type: 'SELECT' }>;
  try {
    const translated = translateStatement(query, {
      projectId: services.projectId,
      defaultDatasetId: datasetId,
    });
    if (translated.type !== 'SELECT') throw new Error('A view query must be a SELECT statement');
    statement = translated;
  } catch (error) {
    throw invalid(`Invalid view query: ${(error as Error).message}`);
  }
  await services.warehouse.exclusive(async (connection) => {
    services.catalog.dataset(datasetId);
    if (!replace && services.catalog.findTable(datasetId, tableId)) {
      throw duplicate(`Table ${services.projectId}:${datasetId}.${tableId}`);
    }
    try {
      await services.queries.createView(connection, datasetId, tableId, statement.sql, query.trim());
    } catch (error) {
      if (error instanceof Error && error.name === 'BigQueryApiError') throw error;
      // A syntax error is told at the view query's line and column, in BigQuery's words.
      const reported = error instanceof DuckDbSyntaxError ? statement.syntaxError(error) : (error as Error);
      throw invalid(`Invalid view query: ${reported.message.split('\n')[0]}`);
    }
  });
}
