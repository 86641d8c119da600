export { startJaeger } from './trace-store';
export type { Jaeger, JaegerOptions } from './trace-store';
export { renderJaegerConfig, jaegerIndexPrefixes } from './jaeger-config';
export type { JaegerConfigOptions } from './jaeger-config';
export { JaegerQuery, type JaegerSpan, type JaegerTrace } from './jaeger-query';
export { waterfall, timelineBar, type WaterfallRow } from './waterfall';
