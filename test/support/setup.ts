import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Each test file takes its run locks in a folder of its own (the processes it starts inherit it): a
// benchmark or a real run on this machine holding the sandbox company's lock never fails a test.
process.env.CWM_BILLING_LOCK_DIR ??= mkdtempSync(path.join(tmpdir(), 'cwm-test-locks-'));
