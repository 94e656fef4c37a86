/**
 * Secret and PII redaction as a pipeline step: every finding is replaced (`<KEY>`, `<PASSWORD>`,
 * `<EMAIL>`, synthetic IPs) and recorded in `meta.findings` as `{ line, kind, rule }`, never the value.
 * Nothing is dropped: a file with a key in it is still code, once the key is gone.
 */
import { keep, type Step } from '../pipeline.js';
import { redact } from './redact.js';
import { scan } from './scan.js';
import type { ScanOptions } from './types.js';

export interface SecretsStepOptions extends Omit<ScanOptions, 'path'> {
  /** Mixed into synthetic IPs (see RedactOptions). */
  salt?: string;
}

export const SECRETS_STEP = 'secrets';

export interface FindingRecord {
  line: number;
  kind: string;
  rule: string;
}

export function secretsStep(options: SecretsStepOptions = {}): Step {
  const { salt, ...scanOptions } = options;
  return {
    name: SECRETS_STEP,
    run(doc) {
      const findings = scan(doc.content, { ...scanOptions, path: doc.path });
      if (findings.length === 0) return keep();
      const { text } = redact(doc.content, findings, { salt });
      const records: FindingRecord[] = findings.map((f) => ({ line: f.line, kind: f.kind, rule: f.rule }));
      return keep({ ...doc, content: text, meta: { ...doc.meta, findings: records } });
    },
  };
}
