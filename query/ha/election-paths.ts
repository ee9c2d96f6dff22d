// Where one election lives in ZooKeeper. Each database gets its own tree, so replicas serving
// different databases (and tests, each on its own database) never elect each other:
//   <root>/<database>/members/m-<seq>   ephemeral-sequential, one per live replica; lowest leads
//   <root>/<database>/epoch             persistent; its data version is the current epoch
//   <root>/<database>/actions/a-<seq>   persistent-sequential, one per fenced leader action
//   <root>/<database>/state/<key>       persistent, leader-owned job state (high-water marks)

export interface ElectionPaths {
  readonly base: string;
  readonly members: string;
  readonly memberPrefix: string;
  readonly epoch: string;
  readonly actions: string;
  readonly actionPrefix: string;
  readonly state: string;
}

const ROOT = /^(\/[A-Za-z0-9_.-]+)+$/;
const GROUP = /^[A-Za-z0-9_]+$/;
const KEY = /^[a-z0-9][a-z0-9-]*$/;

/** Whether `root` is an absolute znode path Cairn accepts (no trailing slash, no "." or ".."). */
export function isValidRoot(root: string): boolean {
  return ROOT.test(root) && !root.split('/').some((part) => part === '.' || part === '..') && !root.startsWith('/zookeeper');
}

export function electionPaths(root: string, group: string): ElectionPaths {
  if (!isValidRoot(root)) throw new Error(`ZooKeeper root "${root}" must be an absolute path like /cairn`);
  if (!GROUP.test(group)) throw new Error(`election group "${group}" must be letters, digits and underscores`);
  const base = `${root}/${group}`;
  return {
    base,
    members: `${base}/members`,
    memberPrefix: `${base}/members/m-`,
    epoch: `${base}/epoch`,
    actions: `${base}/actions`,
    actionPrefix: `${base}/actions/a-`,
    state: `${base}/state`,
  };
}

export function statePath(paths: ElectionPaths, key: string): string {
  if (!KEY.test(key)) throw new Error(`leader state key "${key}" must be lower-case letters, digits and dashes`);
  return `${paths.state}/${key}`;
}

/** The last segment of a znode path. */
export function znodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
