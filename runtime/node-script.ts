import { execFile } from 'node:child_process';

/**
 * Runs an ES module script in a fresh Node process and resolves with what it printed on stdout.
 * For one-off heavy lifting (webpack, PGlite's initdb) whose memory a long-running process would
 * otherwise keep: the operating system takes it all back when the child ends.
 */
export function runNodeScript(what: string, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', script, '--', ...args],
      { maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        if (stderr) process.stderr.write(stderr);
        if (error) reject(new Error(`${what} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
