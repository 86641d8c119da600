/**
 * Domain errors a service throws from its handlers; the kit maps each to one HTTP status and an
 * RFC 9457 problem+json body in one place (http/problem.ts).
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class NotFoundError extends HttpProblem {
  constructor(detail: string) {
    super(404, 'Not Found', detail);
  }
}

export class ConflictError extends HttpProblem {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

export class InputError extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(400, 'Bad Request', detail, extensions);
  }
}

/** The request is well-formed but refers to something that does not exist or cannot be used. */
export class UnprocessableError extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(422, 'Unprocessable Content', detail, extensions);
  }
}

/** Another service the request needs could not answer; nothing was changed, trying again may work. */
export class DependencyUnavailableError extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(503, 'Service Unavailable', detail, extensions);
  }
}
