// The `cairn` command line as a user meets it: usage errors, and output piped to a reader that
// closes early. Runs the real bin/cairn.js; none of these commands touches the network.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const CAIRN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

function cairn(args: string[], opts: { stdoutClosed?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAIRN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // As `| head` does once it has read enough; closed before the child writes, so its first write fails.
    if (opts.stdoutClosed === true) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code, stdout, stderr }); });
  });
}

void describe('cairn command line', () => {
  void it('an unknown command exits 2 naming it, with the usage', async () => {
    const run = await cairn(['frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    assert.match(run.stderr, /cairn collector --role receiver\|ingester\|all/);
  });

  void it('a bad --role names the argument and the choices', async () => {
    const run = await cairn(['collector', '--role', 'router']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--role must be receiver, ingester or all \(got "router"\)/);
  });

  void it('stack without a subcommand says which ones exist', async () => {
    const run = await cairn(['stack', 'restart']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /stack needs up, down or status \(got "restart"\)/);
  });

  void it('help printed into a pipe closed by its reader ends quietly', async () => {
    const run = await cairn(['help'], { stdoutClosed: true });
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled/);
    assert.equal(run.code, 0);
  });
});
