import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@platform/service-kit';
import type { NewUser, UserChanges } from '../domain/user';
import type { UsersRepo } from '../repo/users-repo';

const userSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' }, updatedAt: { type: 'string' } },
} as const;

const fields = {
  email: { type: 'string', format: 'email', maxLength: 254 },
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

const missing = (id: string): NotFoundError => new NotFoundError(`user ${id} does not exist`);

export function registerUserRoutes(app: FastifyInstance, repo: UsersRepo): void {
  app.post<{ Body: NewUser }>(
    '/users',
    { schema: { body: { type: 'object', required: ['email', 'name'], additionalProperties: false, properties: fields }, response: { 201: userSchema } } },
    async (request, reply) => reply.code(201).send(await repo.create(request.body)),
  );

  app.get<{ Params: { id: string } }>('/users/:id', { schema: { params: idParams, response: { 200: userSchema } } }, async (request) => {
    const user = await repo.get(request.params.id);
    if (!user) throw missing(request.params.id);
    return user;
  });

  app.patch<{ Params: { id: string }; Body: UserChanges }>(
    '/users/:id',
    { schema: { params: idParams, body: { type: 'object', minProperties: 1, additionalProperties: false, properties: fields }, response: { 200: userSchema } } },
    async (request) => {
      const user = await repo.update(request.params.id, request.body);
      if (!user) throw missing(request.params.id);
      return user;
    },
  );

  app.delete<{ Params: { id: string } }>('/users/:id', { schema: { params: idParams } }, async (request, reply) => {
    if (!(await repo.delete(request.params.id))) throw missing(request.params.id);
    return reply.code(204).send();
  });

  app.get<{ Querystring: { limit: number; after?: string } }>(
    '/users',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, after: { type: 'string', format: 'uuid' } },
        },
      },
    },
    async (request) => {
      const items = await repo.list(request.query.limit, request.query.after);
      const last = items.at(-1);
      return { items, next: items.length === request.query.limit && last ? last.id : null };
    },
  );
}
