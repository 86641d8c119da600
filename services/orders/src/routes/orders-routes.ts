import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@platform/service-kit';
import type { NewOrder } from '../domain/order';
import type { OrdersRepo } from '../repo/orders-repo';
import type { UserCheck } from '../users/user-check';

const uuid = { type: 'string', format: 'uuid' } as const;

export function registerOrderRoutes(app: FastifyInstance, repo: OrdersRepo, users: UserCheck): void {
  app.post<{ Body: NewOrder }>(
    '/orders',
    {
      schema: {
        body: {
          type: 'object',
          required: ['userId', 'items'],
          additionalProperties: false,
          properties: {
            userId: uuid,
            items: {
              type: 'array',
              minItems: 1,
              maxItems: 100,
              items: {
                type: 'object',
                required: ['sku', 'quantity', 'unitPriceCents'],
                additionalProperties: false,
                properties: {
                  sku: { type: 'string', minLength: 1, maxLength: 64 },
                  quantity: { type: 'integer', minimum: 1, maximum: 10_000 },
                  unitPriceCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      // An order for a user that does not exist is refused (422) rather than stored.
      await users.ensureExists(request.body.userId);
      return reply.code(201).send(await repo.create(request.body));
    },
  );

  app.get<{ Params: { id: string } }>('/orders/:id', { schema: { params: { type: 'object', properties: { id: uuid } } } }, async (request) => {
    const order = await repo.get(request.params.id);
    if (!order) throw new NotFoundError(`order ${request.params.id} does not exist`);
    return order;
  });

  app.get<{ Querystring: { userId: string; limit: number; after?: string } }>(
    '/orders',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['userId'],
          additionalProperties: false,
          properties: { userId: uuid, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, after: uuid },
        },
      },
    },
    async (request) => repo.listByUser(request.query.userId, request.query.limit, request.query.after),
  );
}
