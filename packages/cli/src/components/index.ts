import type { PlatformComponent } from './component';
import { consulComponent } from './consul';
import { loadBalancersComponent } from './load-balancers';

/** Start order; each component sees the env of those before it. Add a component with one line. */
export const platformComponents: PlatformComponent[] = [consulComponent, loadBalancersComponent];
