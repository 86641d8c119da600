export { KitError, ConfigError, StartupError } from './kit-errors';
export { HttpProblem, NotFoundError, ConflictError, InputError } from './http-errors';
