// The signals this build of Cairn receives and stores, in the order their routes are registered.
import type { Signal } from './signal.ts';
import { logsSignal } from './logs.ts';
import { tracesSignal } from './traces.ts';

export const allSignals: readonly Signal[] = [tracesSignal, logsSignal];
