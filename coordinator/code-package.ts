/**
 * The code package: a flow file bundled with esbuild, dependencies included, into one ES module,
 * stored in the content store by its sha256. `stackmesh` imports resolve to this package's SDK
 * (which has no I/O), so a flow anywhere on disk runs without installing anything next to it.
 * `stackmesh/ops` (the dataset operators, with native and data-heavy dependencies) stays an import:
 * it resolves to the stackmesh installed where the task runs, like the runtime itself.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { FlowGraph } from '../protocol/graph.js';
import { extractGraph } from '../sdk/graph.js';
import { InvalidFlowError } from '../sdk/errors.js';

const SDK_ENTRY = fileURLToPath(new URL('../sdk/index.js', import.meta.url));

export interface FlowPackage {
  /** The flow file as the user named it. */
  file: string;
  graph: FlowGraph;
  /** The bundled module. */
  bytes: Uint8Array;
}

/** Reads, validates and bundles a flow file. Every problem is an InvalidFlowError naming the file. */
export async function packageFlow(file: string, cwd = process.cwd()): Promise<FlowPackage> {
  const abs = resolve(cwd, file);
  let source: string;
  try {
    source = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidFlowError(code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`, { file, cause: err });
  }
  const graph = extractGraph(source, file);
  const bytes = await bundle(abs, file);
  return { file, graph, bytes };
}

async function bundle(abs: string, file: string): Promise<Uint8Array> {
  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] };
  try {
    result = await esbuild.build({
      entryPoints: [abs],
      absWorkingDir: dirname(abs),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      outfile: 'flow.mjs',
      sourcemap: 'inline',
      logLevel: 'silent',
      legalComments: 'none',
      // Bundled CommonJS dependencies call require(); give the ES module one.
      banner: { js: "import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);" },
      plugins: [{
        name: 'stackmesh-sdk',
        setup(build) {
          build.onResolve({ filter: /^stackmesh(\/sdk)?$/ }, () => ({ path: SDK_ENTRY }));
          build.onResolve({ filter: /^stackmesh\/ops$/ }, (args) => ({ path: args.path, external: true }));
        },
      }],
    });
  } catch (err) {
    const first = (err as { errors?: esbuild.Message[] }).errors?.[0];
    throw new InvalidFlowError(first ? first.text : (err as Error).message, { file, line: first?.location?.line, cause: err });
  }
  return result.outputFiles[0]!.contents;
}
