// What a logs decoder hands the receiver: the accepted log records plus the OTLP partial-success
// figures (rejected_log_records, error_message) for the rest.

import type { LogRecord } from '../../common/model/log.ts';
import type { RejectionTally } from './rejections.ts';

export interface LogDecodeResult {
  records: LogRecord[];
  rejected: number;
  /** '' when nothing was rejected; else a bounded summary of the first few reasons. */
  errorMessage: string;
}

/**
 * The tally's summary with log records as the noun: RejectionTally words its count in spans
 * ("2 spans rejected: ..."), and its reasons are what the sender needs, so only the prefix changes.
 */
export function logRejectionMessage(tally: RejectionTally): string {
  const message = tally.message();
  if (message === '') return '';
  const reasons = message.slice(message.indexOf(': ') + 2);
  return `${tally.count} ${tally.count === 1 ? 'log record' : 'log records'} rejected: ${reasons}`;
}
