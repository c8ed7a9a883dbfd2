/** The mapping cannot be applied as written; the message names the source, table and column. */
export class WarehouseMappingError extends Error {
  override name = 'WarehouseMappingError';
}

/** A name the pipeline needs for its view or CDC table is taken by an object of another kind. */
export class WarehouseConflictError extends Error {
  override name = 'WarehouseConflictError';
}

/** The deploy identity could not give the pipeline's identity access to a dataset. */
export class WarehouseAccessError extends Error {
  override name = 'WarehouseAccessError';
}
