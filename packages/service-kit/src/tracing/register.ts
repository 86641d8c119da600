import { startTracing } from './start-tracing';

// Imported first by the kit's index: OTel's context and tracer provider exist before any of the
// kit's modules (or a service's) makes a span or reads the current one.
startTracing();
