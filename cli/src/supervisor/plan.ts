import type { PlatformSettings } from '../settings';

/** What `platform up` asks the supervisor to run; written to plan.json in the state folder. */
export interface SupervisorPlan {
  settings: PlatformSettings;
  services: { name: string; entry: string; instances: number }[];
}
