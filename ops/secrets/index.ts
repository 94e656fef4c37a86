/**
 * Secret and PII detection and redaction for source files: pure functions over text.
 *
 *   import { scan, redact } from '../ops/secrets/index.js';
 *   const findings = scan(doc.content, { path: doc.path });   // [{ kind: 'key', rule: 'github-token', line: 3, start, end }]
 *   const { text, counts } = redact(doc.content, findings);   // tokens → <KEY>, IPs → stable 192.0.2.x / 2001:db8::…
 *
 * Findings carry offsets, never the value, so they are safe to log and to keep in run stats.
 */
export { scan, resolveOverlaps } from './scan.js';
export { secretsStep, SECRETS_STEP, type SecretsStepOptions, type FindingRecord } from './step.js';
export { redact, syntheticIp, type RedactOptions, type RedactResult } from './redact.js';
export { FORMAT_RULES, isJwt, kindOfName, type FormatRule } from './rules.js';
export { shannonEntropy, isPlaceholder, isSequentialOrRepeated, isUuid, isLockfile, looksLikeHash } from './filters.js';
export { isKeptIpv4, isKeptIpv6, parseIpv4, parseIpv6 } from './pii.js';
export { SecretsOptionsError, InvalidFindingError } from './errors.js';
export {
  DEFAULT_THRESHOLDS,
  KINDS,
  resolveScanOptions,
  type Finding,
  type Kind,
  type ResolvedScanOptions,
  type ScanOptions,
  type Thresholds,
} from './types.js';
