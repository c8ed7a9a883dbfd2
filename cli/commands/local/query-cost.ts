const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/**
 * Bytes the way the BigQuery console prints them: binary units (1 KB = 1,024 B, as BigQuery bills
 * whole MB of 2^20 bytes), at most two decimals.
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : String(Number(value.toFixed(2)));
  return `${shown} ${units[unit]}`;
}

/** The line `local query` prints under its result: bytes processed (exact) and billed. */
export function costLine(statistics: { totalBytesProcessed?: string; totalBytesBilled?: string }): string {
  const processed = Number(statistics.totalBytesProcessed ?? 0);
  const billed = Number(statistics.totalBytesBilled ?? 0);
  // The exact count is added only where the unit hides it.
  const exact = processed >= 1024 ? ` (${processed.toLocaleString('en-US')} B)` : '';
  return `Bytes processed: ${formatBytes(processed)}${exact} · billed: ${formatBytes(billed)}\n`;
}
