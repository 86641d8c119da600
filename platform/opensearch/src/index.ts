export { startOpenSearchNode, openSearchInstallDir } from './opensearch-node';
export type { OpenSearchNode, OpenSearchNodeOptions } from './opensearch-node';
export { renderOpenSearchConfig } from './node-config';
export { LogStore, field, logStoreCredentials } from './log-store';
export type { LogEntry, LogPage, LogStoreOptions } from './log-store';
export { buildLogQuery, levelsAtOrAbove, parseSince, LOG_SORT } from './log-query';
export type { LogFilter } from './log-query';
export { DEFAULT_INDEX_PREFIX, dailyIndex, expiredIndices, indexTemplate, ingestPipeline, ingestPipelineName, ECS_FIELD_MAPPINGS } from './log-index';
