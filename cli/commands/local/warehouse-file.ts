/** The local warehouse every local command defaults to: `npm start`, `local load|query|up`. */
export const DEFAULT_WAREHOUSE = '.local/warehouse.duckdb';
