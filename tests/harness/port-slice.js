// Each jest worker (and every process its tests start, which inherit the environment) draws ports
// from its own slice of the range (freePort in packages/process-runner), so two test files running
// side by side never pick the same port between the check and the bind.
const workers = 8; // at least jest.config.js's maxWorkers
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
process.env.PLATFORM_PORT_SLICE = `${((worker - 1) % workers) + 1}/${workers}`;
