import type { LogEntry } from './api.js';
import { formatMessage, logCode, type LogCode } from '../logging/codes.js';

/**
 * What a host may use to present and keep runs the way this extension does (the reference host
 * uses all of it): the log-code catalog, run summaries, the CSV writers, the file lock, the input
 * readers. Exported from the package entry; nothing here is part of host API v1's contract.
 */
export { formatMessage, logCode, logCodeCatalog, type LogCode } from '../logging/codes.js';
export { levelRank } from '../logging/levels.js';
export { actionFor, escapeControl, logsToCsv } from '../logging/writers.js';
export { planToCsv } from '../logging/planWriters.js';
export { PLAN_FORMAT, planProblem, planToJson, type PlanDocument } from '../task/planDocument.js';
export {
  describeMoney,
  formatMoney,
  moneyFigures,
  runFigures,
  summarizeRun,
  type MoneyFigures,
  type RunFigures,
} from '../task/runSummary.js';
export { atriaUrlProblem } from '../config/apiUrl.js';
export { JsonSyntaxError, parseJsonFile, parseLenientJson, parseLenientJsonOrKeepText } from '../util/lenientJson.js';
export { decodeUtf8, NotUtf8Error } from '../util/utf8.js';
export { keepHeapCompact } from '../util/compactHeap.js';
export { acquireFileLock, isStale, processStartTime, thisProcess, type ProcessIdentity } from '../util/fileLock.js';
export { isNoSpace, writeFully, WholeRecordFile } from '../util/wholeRecordFile.js';

/** A log entry from the catalog, for what a host itself has to say in a run's log (CW23, CW16, CW03): its level and wording are the catalog's. */
export function catalogEntry(code: LogCode, params: Record<string, string>, data?: Record<string, unknown>): LogEntry {
  return {
    timestamp: new Date().toISOString(),
    level: logCode(code).level,
    code,
    message: formatMessage(code, params),
    ...(data ? { data } : {}),
  };
}
