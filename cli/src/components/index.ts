import type { NodeRole } from '../node-role';
import type { PlatformComponent } from './component';
import { consoleComponent } from './console';
import { consulComponent } from './consul';
import { filebeatComponent } from './filebeat';
import { gatewayCredentialsComponent } from './gateway-credentials';
import { jaegerComponent } from './jaeger';
import { kafkaComponent } from './kafka';
import { kafkaNodeComponent } from './kafka-node';
import { loadBalancersComponent } from './load-balancers';
import { logStoreNodeComponent } from './logstore-node';
import { migrationsComponent } from './migrations';
import { monitoringComponent } from './monitoring';
import { opensearchComponent } from './opensearch';
import { postgresComponent } from './postgres';
import { postgresNodeComponent } from './postgres-node';

/**
 * Start order per node role; each component sees the env of those before it. Add a component
 * with one line. On a cloud node the database, broker and log store are elsewhere, named in the
 * node's environment file (node-role.ts, NODE_PASSTHROUGH).
 */
const BY_ROLE: Record<NodeRole, PlatformComponent[]> = {
  all: [consulComponent, postgresComponent, opensearchComponent, filebeatComponent, jaegerComponent, kafkaComponent, gatewayCredentialsComponent, loadBalancersComponent, migrationsComponent, monitoringComponent, consoleComponent],
  'consul-server': [consulComponent],
  service: [consulComponent, filebeatComponent, loadBalancersComponent, migrationsComponent],
  // The gateway's control plane runs here, beside the edge whose maps it fills (node-role.ts).
  edge: [consulComponent, filebeatComponent, gatewayCredentialsComponent, loadBalancersComponent],
  database: [consulComponent, postgresNodeComponent],
  // One node: a single Alertmanager sends each notification once.
  monitoring: [consulComponent, monitoringComponent, jaegerComponent],
  // A member of the Kafka cluster, or of the log store's (the same starts `platform up --ha` runs per member).
  kafka: [consulComponent, kafkaNodeComponent],
  logstore: [consulComponent, logStoreNodeComponent],
};

export const componentsFor = (role: NodeRole): PlatformComponent[] => BY_ROLE[role];

