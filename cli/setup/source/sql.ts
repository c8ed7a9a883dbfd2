/** A MySQL identifier in backticks, a backtick inside doubled. */
export const quoteId = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * A MySQL string literal. Setup quotes only names it chooses or is given on the command line (the
 * DMS user, its host, a generated password), so it refuses quotes and backslashes instead of
 * escaping them: how a backslash reads depends on the server's NO_BACKSLASH_ESCAPES.
 */
export function quoteString(value: string): string {
  if (/['\\]/.test(value)) throw new Error(`${value} holds a quote or a backslash: choose a name without`);
  return `'${value}'`;
}

/** `'user'@'host'`, as CREATE USER, ALTER USER, GRANT and SHOW GRANTS FOR take an account. */
export const account = (user: string, host: string): string => `${quoteString(user)}@${quoteString(host)}`;
