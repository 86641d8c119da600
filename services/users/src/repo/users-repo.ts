import { ConflictError, isUniqueViolation, type Database } from '@platform/service-kit';
import { normaliseEmail, type NewUser, type User, type UserChanges } from '../domain/user';

/** The users data layer. Writes go to the primary; reads to a replica that has what the request must see. */
export interface UsersRepo {
  create(input: NewUser): Promise<User>;
  get(id: string): Promise<User | undefined>;
  list(limit: number, after?: string): Promise<User[]>;
  update(id: string, changes: UserChanges): Promise<User | undefined>;
  delete(id: string): Promise<boolean>;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, email, name, created_at, updated_at';

const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });

/** The constraint's error names it, so a conflict is reported as such and nothing else is. */
async function uniqueEmail<T>(email: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_unique')) throw new ConflictError(`a user with email ${email} already exists`);
    throw err;
  }
}

export function createPostgresUsersRepo(db: Database): UsersRepo {
  return {
    async create(input) {
      const email = normaliseEmail(input.email);
      const { rows } = await uniqueEmail(email, () => db.write.query<UserRow>(`INSERT INTO users (email, name) VALUES ($1, $2) RETURNING ${COLUMNS}`, [email, input.name.trim()]));
      return toUser(rows[0] as UserRow);
    },
    async get(id) {
      const { rows } = await db.read.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0] ? toUser(rows[0]) : undefined;
    },
    async list(limit, after) {
      const { rows } = await db.read.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE $2::uuid IS NULL OR id > $2 ORDER BY id LIMIT $1`, [limit, after ?? null]);
      return rows.map(toUser);
    },
    async update(id, changes) {
      const email = changes.email === undefined ? undefined : normaliseEmail(changes.email);
      const { rows } = await uniqueEmail(email, () =>
        db.write.query<UserRow>(
          `UPDATE users SET email = coalesce($2, email), name = coalesce($3, name), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, email ?? null, changes.name?.trim() ?? null],
        ),
      );
      return rows[0] ? toUser(rows[0]) : undefined;
    },
    async delete(id) {
      return ((await db.write.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
  };
}
