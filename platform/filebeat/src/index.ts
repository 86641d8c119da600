export { startFilebeat, defaultFilebeatConfig } from './shipper';
export type { Filebeat, FilebeatOptions, FilebeatStats } from './shipper';
