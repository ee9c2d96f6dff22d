#!/usr/bin/env node
// The `cairn` command. Cairn runs from its TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../common/cli/main.ts');
