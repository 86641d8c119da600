import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@platform/service-kit';
import type { NewUser } from '../domain/user';
import type { UsersRepo } from '../repo/users-repo';

const userSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' } },
} as const;

export function registerUserRoutes(app: FastifyInstance, repo: UsersRepo): void {
  app.post<{ Body: NewUser }>(
    '/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'name'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', format: 'email', maxLength: 254 },
            name: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: { 201: userSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await repo.create(request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/users/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, response: { 200: userSchema } } },
    async (request) => {
      const user = await repo.get(request.params.id);
      if (!user) throw new NotFoundError(`user ${request.params.id} does not exist`);
      return user;
    },
  );

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
