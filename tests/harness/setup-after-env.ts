import { MACHINE_ALONE_WAIT_MS, takeFileTurn } from './machine-turns';

// Every test file takes its turn on the machine before its own hooks (machine-turns.ts).
beforeAll(takeFileTurn, MACHINE_ALONE_WAIT_MS + 10_000);
