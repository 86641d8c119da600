/**
 * The platform's one rule for a service's name: what Consul registrations, ACL tokens, route
 * grants, rollout records and backend names are made from. Lower-case letters, digits and dashes,
 * at most 63 (a DNS label), so a name is safe in a config file, a command and a URL.
 */
export const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
