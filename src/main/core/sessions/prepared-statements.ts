// Prepared statements of one keel.db connection, shared by the stores that read and write it.
import type Database from 'better-sqlite3'

/**
 * A statement for `sql`, prepared on first use and reused: preparing costs more than running a keyed read, and the
 * stores run the same few statements on every turn.
 */
export function preparedStatements(db: Database.Database): (sql: string) => Database.Statement {
  const prepared = new Map<string, Database.Statement>()
  return (sql) => {
    let statement = prepared.get(sql)
    if (!statement) {
      statement = db.prepare(sql)
      prepared.set(sql, statement)
    }
    return statement
  }
}
