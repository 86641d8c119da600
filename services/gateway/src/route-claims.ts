/**
 * The gateway's route rules as others use them (the CLI's `platform new service --route` checks a
 * claim before it writes anything): the package's one entry besides the service itself
 * (`@platform/gateway/route-claims`). Nothing else of the gateway is a contract.
 */
export { DEFAULT_GRANTS_FILE, loadRouteGrants, NO_GRANTS, type RouteGrants } from './routing/route-grants';
export { claimAllowed, PREFIX_META, prefixProblem } from './routing/route-table';
