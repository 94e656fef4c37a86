/**
 * The Stack v2 curation as stages a flow wires together (see examples/stack/flow.ts): each is a pure
 * function of its inputs, so the dataset is the same embedded and on the mesh, with any number of
 * workers.
 *
 *   scanBatch(batch, config, optout)        foreach batch: ingest, opt-out, language, filters, secrets; license evidence
 *   mergeEvidence(lists)                    join: repository -> license files
 *   applyLicenses(docs, table, keep)        foreach batch: detected_licenses, license_type, policy
 *   signBatch(p, docs, dedupOptions(...))   same task: MinHash signatures and shuffle pieces
 *   bucketEdges(r, pieces, lookup, opts)    foreach shuffle partition: verified duplicate pairs
 *   resolveClusters(edges, metas, opts)     join: clusters, which copy is kept
 *   publishPart(config, p, docs, report)    foreach batch: its shards
 *   finishPublish({...})                    join: manifest.json over every part (publishDataset: both in turn)
 */
export { resolveStackConfig, hashedConfig, type StackConfig, type ResolvedStackConfig } from './config.js';
export { scanBatch, countsOnly, repoOf, type LicenseEvidence, type ScanResult } from './scan.js';
export { mergeEvidence, applyLicenses, type RepoLicenseTable, type LicensedBatch } from './licenses.js';
export { dedupOptions, signBatch, lazySignatures, bucketEdges, resolveClusters } from './dedup.js';
export { publishDataset, publishPart, finishPublish, checkOutput, type PublishInput, type FinishInput } from './publish.js';
export { encodeDocs, decodeDocs, encodeValue, decodeValue } from './docs.js';
export { StackConfigError, StackDataError } from './errors.js';
