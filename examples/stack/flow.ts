/**
 * The Stack v2 curation as a flow: ingest → opt-outs → language → quality filters → secrets and PII →
 * repository licenses → exact and near dedup → a versioned, checksummed dataset.
 *
 *   npx mesh run examples/stack/flow.ts --param source=/tmp/corpus/npm --param out=/tmp/stack-out
 *   npx mesh submit examples/stack/flow.ts --param source=... --param out=... --wait     # on the mesh
 *
 * Batches of input (16 MiB by default: enough of them to keep every thread busy) are foreach partitions; large intermediates (documents,
 * shuffle pieces, signature tables) travel as blobs by digest, never inside artifacts or messages.
 * The same source and parameters give a byte-identical manifest, embedded or with any number of workers.
 */
import { FlowSpec, Inputs, param, step } from 'stackmesh';
import { ingest, manifest, optout as optouts, stack } from 'stackmesh/ops';

type Config = stack.ResolvedStackConfig;
type Stats = ReturnType<typeof stack.countsOnly>;

export default class StackCuration extends FlowSpec {
  @param({ required: true, help: 'directory, .tar(.gz), .jsonl(.gz), .parquet, s3://bucket/prefix or git:PATH' }) source!: string;
  @param({ required: true, help: 'where the dataset version goes: a directory or s3://bucket/prefix' }) out!: string;
  @param({ default: 'stack', help: 'dataset name' }) name!: string;
  @param({ default: '1', help: 'dataset version' }) version!: string;
  @param({ default: 16 * 1024 * 1024, help: 'input bytes per batch (one partition each)' }) batchBytes!: number;
  @param({ default: 1024 * 1024, help: 'larger files are dropped' }) maxFileBytes!: number;
  @param({ default: 'no_license,permissive', help: 'license types kept' }) keepLicenses!: string;
  @param({ default: 'both', help: 'dedup: both, exact, near or none' }) dedup!: string;
  @param({ default: 0.7, help: 'near-duplicate Jaccard threshold' }) threshold!: number;
  @param({ default: 4, help: 'dedup shuffle partitions' }) shufflePartitions!: number;
  @param({ default: 256 * 1024 * 1024, help: 'shard size (uncompressed bytes)' }) shardBytes!: number;
  @param({ default: false, help: 'replace a dataset already at out' }) overwrite!: boolean;

  config!: Config;
  optout!: { entries: string[]; source: string };
  batches!: string[];
  docsRef!: string;
  evidence!: stack.LicenseEvidence[];
  inputDigest!: string;
  scanStats!: Stats;
  table!: stack.RepoLicenseTable;
  docsRefs!: string[];
  inputDigests!: Record<string, string>;
  stats!: Stats[];
  parts!: number[];
  shuffleRefs!: string[];
  sigRef!: string;
  metaRef!: string;
  licenseStats!: Stats;
  sigRefs!: string[];
  metaRefs!: string[];
  buckets!: string[][];
  edgesRef!: string;
  reportRef!: string;
  clusters!: number;
  duplicates!: number;
  part!: manifest.DatasetPart;
  manifestSha256!: string;
  shards!: number;
  docs!: number;

  /** Resolves the configuration, snapshots the opt-out registry, and plans the input batches. */
  @step async start() {
    this.config = stack.resolveStackConfig({
      source: this.source, out: this.out, name: this.name, version: this.version, batchBytes: this.batchBytes,
      maxFileBytes: this.maxFileBytes, keepLicenses: this.keepLicenses.split(',') as Config['keepLicenses'],
      dedup: this.dedup as Config['dedup'], threshold: this.threshold, shufflePartitions: this.shufflePartitions,
      shardBytes: this.shardBytes, overwrite: this.overwrite,
    });
    await stack.checkOutput(this.config);
    const registry = await optouts.loadOptOut();
    this.optout = { entries: [...registry.entries], source: registry.source };
    const batches: string[] = [];
    const plan = ingest.planBatches(this.config.source, { batchBytes: this.config.batchBytes, maxBytes: this.config.maxFileBytes });
    for await (const batch of plan) batches.push(this.putBlob(new TextEncoder().encode(JSON.stringify(batch))));
    this.batches = batches;
    console.log(`${batches.length} batch(es) from ${this.config.source}; ${this.optout.entries.length} opt-out entries`);
    this.next(this.scan, { foreach: 'batches' });
  }

  /** One batch: read, opt-outs, language, quality filters, secrets; license files noted. */
  @step async scan() {
    const batch = new TextDecoder().decode(this.getBlob(this.input));
    const result = await stack.scanBatch(batch, this.config, new optouts.OptOutSnapshot(this.optout.entries, this.optout.source));
    this.docsRef = this.putBlob(stack.encodeDocs(result.docs));
    this.evidence = result.evidence;
    this.inputDigest = result.inputDigest;
    this.scanStats = result.stats;
    this.next(this.licenses);
  }

  /** Every batch's license evidence becomes one table: repository -> license files. */
  @step licenses(inputs: Inputs<StackCuration>) {
    this.mergeArtifacts(inputs, { include: ['config', 'optout'] });
    this.table = stack.mergeEvidence(inputs.map((i) => i.evidence));
    this.docsRefs = inputs.map((i) => i.docsRef);
    this.inputDigests = Object.fromEntries(inputs.map((i, p) => [`batch-${String(p).padStart(5, '0')}`, i.inputDigest]));
    this.stats = inputs.map((i) => i.scanStats);
    this.parts = inputs.map((_, p) => p);
    this.next(this.sign, { foreach: 'parts' });
  }

  /** One batch again: repository licenses and the policy, then MinHash signatures and shuffle pieces. */
  @step sign() {
    const p: number = this.input;
    const docs = stack.decodeDocs(this.getBlob(this.docsRefs[p]!));
    const licensed = stack.applyLicenses(docs, this.table, this.config.keepLicenses);
    const scan = stack.signBatch(p, licensed.docs, stack.dedupOptions(this.config, this.docsRefs.length));
    this.shuffleRefs = scan.shuffle.map((piece) => this.putBlob(piece));
    this.sigRef = this.putBlob(scan.signatures);
    this.metaRef = this.putBlob(scan.meta);
    this.licenseStats = licensed.stats;
    this.next(this.shuffle);
  }

  /** Routes shuffle piece r of every batch to bucket partition r. */
  @step shuffle(inputs: Inputs<StackCuration>) {
    this.mergeArtifacts(inputs, { include: ['config', 'optout', 'inputDigests', 'stats', 'table', 'docsRefs'] });
    this.stats = [...this.stats, ...inputs.map((i) => i.licenseStats)];
    this.sigRefs = inputs.map((i) => i.sigRef);
    this.metaRefs = inputs.map((i) => i.metaRef);
    const pieces = inputs.map((i) => i.shuffleRefs);
    this.buckets = Array.from({ length: this.config.shufflePartitions }, (_, r) => pieces.map((refs) => refs[r]!));
    this.next(this.bucket, { foreach: 'buckets' });
  }

  /** One shuffle partition: candidate pairs from shared band keys and digests, verified by estimated Jaccard. */
  @step bucket() {
    const options = stack.dedupOptions(this.config, this.sigRefs.length);
    const lookup = stack.lazySignatures(this.sigRefs, (d) => this.getBlob(d), options);
    const refs: string[] = this.input;
    this.edgesRef = this.putBlob(stack.bucketEdges(this.index, refs.map((d) => this.getBlob(d)), lookup, options));
    this.next(this.resolve);
  }

  /** Union-find over every verified pair: clusters, and which copy of each is kept. */
  @step resolve(inputs: Inputs<StackCuration>) {
    this.mergeArtifacts(inputs, { include: ['config', 'optout', 'inputDigests', 'stats', 'table', 'docsRefs', 'metaRefs'] });
    const options = stack.dedupOptions(this.config, this.metaRefs.length);
    const report = this.config.dedup === 'none'
      ? { docs: 0, kept: 0, clusters: [], dropped: [] }
      : stack.resolveClusters(inputs.map((i) => this.getBlob(i.edgesRef)), this.metaRefs.map((d) => this.getBlob(d)), options);
    this.reportRef = this.putBlob(stack.encodeValue('stackmesh.dedup.report.v1', report));
    this.clusters = report.clusters.length;
    this.duplicates = report.dropped.length;
    this.parts = this.docsRefs.map((_, p) => p);
    this.next(this.writePart, { foreach: 'parts' });
  }

  /**
   * One batch's surviving documents as its own shards, every batch in parallel. The licenses are
   * applied again (as sign did: same table, same order) rather than stored twice.
   */
  @step async writePart() {
    const p: number = this.input;
    const report = stack.decodeValue('stackmesh.dedup.report.v1', this.getBlob(this.reportRef));
    const licensed = stack.applyLicenses(stack.decodeDocs(this.getBlob(this.docsRefs[p]!)), this.table, this.config.keepLicenses);
    this.part = await stack.publishPart(this.config, p, licensed.docs, report);
    this.next(this.publish);
  }

  /** The dataset version: manifest.json over every part, in batch order, written last. */
  @step async publish(inputs: Inputs<StackCuration>) {
    this.mergeArtifacts(inputs, { include: ['config', 'optout', 'inputDigests', 'stats', 'reportRef', 'clusters', 'duplicates'] });
    const written = await stack.finishPublish({
      config: this.config,
      parts: inputs.map((i) => i.part),
      report: stack.decodeValue('stackmesh.dedup.report.v1', this.getBlob(this.reportRef)),
      stats: this.stats,
      inputs: this.inputDigests,
      optout: new optouts.OptOutSnapshot(this.optout.entries, this.optout.source),
    });
    this.manifestSha256 = written.manifestSha256;
    this.shards = written.manifest.totals.shards;
    this.docs = written.manifest.totals.docs;
    console.log(`${written.url}: ${this.docs} files in ${this.shards} shard(s), manifest sha256 ${this.manifestSha256}`);
    this.next(this.end);
  }

  @step end() {
    console.log(`dataset ${this.config.name} v${this.config.version}: ${this.docs} files, ${this.duplicates} duplicates in ${this.clusters} clusters`);
  }
}
