import { randomUUID } from 'node:crypto';
import { ConflictError } from '@platform/service-kit';
import { normaliseEmail, type NewUser, type User } from '../domain/user';

/** The users data layer; the in-memory store is replaced by PostgreSQL behind this same interface. */
export interface UsersRepo {
  create(input: NewUser): Promise<User>;
  get(id: string): Promise<User | undefined>;
  list(limit: number, after?: string): Promise<User[]>;
}

export function createInMemoryUsersRepo(): UsersRepo {
  const byId = new Map<string, User>();
  const emails = new Set<string>();
  return {
    async create(input) {
      const email = normaliseEmail(input.email);
      if (emails.has(email)) throw new ConflictError(`a user with email ${email} already exists`);
      const user: User = { id: randomUUID(), email, name: input.name.trim(), createdAt: new Date().toISOString() };
      emails.add(email);
      byId.set(user.id, user);
      return user;
    },
    async get(id) {
      return byId.get(id);
    },
    async list(limit, after) {
      const all = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
      return all.filter((u) => after === undefined || u.id > after).slice(0, limit);
    },
  };
}
