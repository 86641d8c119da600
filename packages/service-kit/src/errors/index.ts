export { KitError, ConfigError, StartupError } from './kit-errors';
export { HttpProblem, NotFoundError, ConflictError, InputError, UnprocessableError, DependencyUnavailableError } from './http-errors';
