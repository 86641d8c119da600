import type { PlatformComponent } from './component';
import { consulComponent } from './consul';
import { filebeatComponent } from './filebeat';
import { gatewayCredentialsComponent } from './gateway-credentials';
import { kafkaComponent } from './kafka';
import { loadBalancersComponent } from './load-balancers';
import { migrationsComponent } from './migrations';
import { opensearchComponent } from './opensearch';
import { postgresComponent } from './postgres';

/** Start order; each component sees the env of those before it. Add a component with one line. */
export const platformComponents: PlatformComponent[] = [consulComponent, postgresComponent, opensearchComponent, filebeatComponent, kafkaComponent, gatewayCredentialsComponent, loadBalancersComponent, migrationsComponent];
