// Which files the shipper follows: CAIRN_SHIPPER_FILES entries are paths, and an entry whose last
// part has `*` or `?` is a pattern matched against that directory's entries (not recursively), so
// files created later (a new service's log, date-named files) are picked up. Rotated copies should
// not match a pattern (`app-*.log`, not `app.log*`): the tail of the live file reads them itself.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const WILDCARD = /[*?]/;

function patternRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The paths to follow now: every plain entry (even before it exists) and every pattern's matches. */
export function expandFiles(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of entries) {
    const name = basename(entry);
    if (!WILDCARD.test(name)) {
      out.add(entry);
      continue;
    }
    const re = patternRegExp(name);
    let names: string[];
    try {
      names = readdirSync(dirname(entry));
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const path = join(dirname(entry), n);
      if (re.test(n) && isFile(path)) out.add(path);
    }
  }
  return [...out];
}
