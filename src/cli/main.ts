#!/usr/bin/env node
/**
 * The `ringnet` command: `ringnet serve` (a server from flags) and
 * `ringnet bench` (the benchmark lab in bench/lab). Usage mistakes print one
 * clear line and exit with status 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RingnetError } from '../errors';
import { helpText, UsageError } from './args';
import { BENCH_FLAGS, parseBenchArgs, type BenchRequest } from './bench-args';
import { parseServeArgs, SERVE_FLAGS } from './serve-options';
import { runServe } from './serve';

const USAGE = `usage: ringnet serve [flags]    start a server (ringnet serve --help)
       ringnet bench [flags]    run the benchmark lab (ringnet bench --help)`;

/** The lab lives in the source tree (bench/), next to dist/. */
export const LAB_DIR = path.join(__dirname, '..', '..', 'bench', 'lab');

interface Lab {
  runLab(req: BenchRequest): Promise<number>;
  listLab(): string;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      if (rest.includes('--help')) return help(`usage: ringnet serve [flags]\n\n${helpText(SERVE_FLAGS)}`);
      await runServe(parseServeArgs(rest));
      return -1; // keeps running until a signal
    }
    case 'bench': {
      const req = parseBenchArgs(rest);
      if (req.help) return help(`usage: ringnet bench [flags]\n\n${helpText(BENCH_FLAGS)}\n\nSee bench/README.md.`);
      const entry = path.join(LAB_DIR, 'index.js');
      if (!fs.existsSync(entry)) {
        throw new UsageError(`the benchmark lab is not installed (${entry} missing): run it from a ringnet source checkout`);
      }
      const lab = require(entry) as Lab;
      if (req.list) return help(lab.listLab());
      return lab.runLab(req);
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return help(USAGE);
    default:
      throw new UsageError(`unknown command '${command}'\n${USAGE}`);
  }
}

function help(text: string): number {
  process.stdout.write(text + '\n');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || (err instanceof RingnetError && err.code === 'ERR_USAGE')) {
        process.stderr.write(`ringnet: ${err.message}\n`);
        process.exitCode = 2;
      } else if (err instanceof RingnetError) {
        process.stderr.write(`ringnet: ${err.code}: ${err.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`ringnet: ${(err as Error)?.stack ?? String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
