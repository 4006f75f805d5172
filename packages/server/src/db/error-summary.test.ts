// What a database error may say in a log: the operation, the code, object names — and never a
// value the statement carried.
import {
  isRefusedValueError,
  statementOperation,
  summarizeDatabaseError,
} from './error-summary.js';

const SECRET = 'sk_summary_secret_4242';

/** The shape Drizzle throws: its message repeats the statement and every parameter. */
function drizzleError(query: string, cause: object): Error {
  const error = new Error(`Failed query: ${query}\nparams: ${SECRET},1`) as Error & {
    query: string;
    params: unknown[];
  };
  error.query = query;
  error.params = [SECRET, 1];
  error.cause = cause;
  return error;
}

describe('database error summaries', () => {
  it('names the statement by its verb and table', () => {
    expect(statementOperation('insert into "dataclips" ("id", "body") values ($1, $2)')).toBe(
      'insert into dataclips',
    );
    expect(statementOperation('WITH x AS (INSERT INTO work_orders VALUES ($1)) SELECT 1')).toBe(
      'insert into work_orders',
    );
    expect(statementOperation('update "users" set "first_name" = $1')).toBe('update users');
    expect(statementOperation('select "id" from "users" where "email" = $1')).toBe(
      'select from users',
    );
  });

  it('keeps code and object names, drops parameters, detail and value-quoting messages', () => {
    const cause = Object.assign(new Error(`invalid input syntax for type uuid: "${SECRET}"`), {
      code: '22P02',
      detail: `Failing row contains (${SECRET})`,
      table: 'users',
    });
    const summary = summarizeDatabaseError(
      drizzleError('select * from "users" where id = $1', cause),
    );
    expect(summary).toEqual({
      type: 'DatabaseError',
      operation: 'select from users',
      code: '22P02',
      table: 'users',
    });
    expect(isRefusedValueError(cause)).toBe(true);
  });

  it('keeps the message of classes that only name objects', () => {
    const cause = Object.assign(new Error('relation "nowhere" does not exist'), { code: '42P01' });
    // Class 42 can quote a literal in other messages, so it is dropped too.
    expect(summarizeDatabaseError(cause).message).toBeUndefined();
    const lock = Object.assign(new Error('could not obtain lock on row'), { code: '55P03' });
    expect(summarizeDatabaseError(lock).message).toBe('could not obtain lock on row');
    expect(isRefusedValueError(lock)).toBe(false);
  });

  it('keeps a lost connection readable without the wrapped statement', () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const summary = summarizeDatabaseError(drizzleError('insert into "runs" values ($1)', cause));
    expect(summary).toEqual({
      type: 'DatabaseError',
      operation: 'insert into runs',
      code: 'ECONNRESET',
      message: 'read ECONNRESET',
    });
    expect(JSON.stringify(summary)).not.toContain(SECRET);
  });
});
