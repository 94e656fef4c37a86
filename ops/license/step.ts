/**
 * The pipeline step: sets `meta.detected_licenses` and `meta.license_type` from the repository-level
 * results (plus the document's own SPDX header) and applies the license policy. The default is The
 * Stack v2's: keep permissive and no_license, drop non_permissive with reason `non_permissive`
 * (counted as `license:non_permissive`).
 *
 *   const byId = new Map(detectRepoLicenses(files).map((r) => [`${repo}/${r.path}`, r]));
 *   const step = licenseStep({ licenses: byId });                     // keyed by doc.id
 *   const strict = licenseStep({ licenses: (doc) => lookup(doc), keep: ['permissive'] });
 */
import { drop, keep, type Doc, type Step } from '../pipeline.js';
import { LicenseOptionsError } from './errors.js';
import { sortIds } from './expression.js';
import { findSpdxHeaders, resolveMaxLines } from './header.js';
import { combineTypes, licenseType } from './type.js';
import { LICENSE_TYPES, type LicenseType } from './types.js';

/**
 * What the repository level knows about one file: a `FileLicenses` (its `license_type`, when present,
 * is trusted: it may come from an OR expression that the flat id list no longer shows), or just ids.
 */
export type KnownLicenses = { readonly detected_licenses: readonly string[]; readonly license_type?: LicenseType } | readonly string[];

export interface LicenseStepOptions {
  /** Repository-level results: a map keyed by `doc.id`, or a function of the document. None: headers only. */
  licenses?: ReadonlyMap<string, KnownLicenses> | ((doc: Doc) => KnownLicenses | undefined);
  /** License types to keep. Default `['permissive', 'no_license']`. */
  keep?: readonly LicenseType[];
  /** Also read the document's own SPDX header. Default true. */
  headers?: boolean;
  /** Lines searched for the header. Default 30. */
  maxHeaderLines?: number;
}

export interface ResolvedLicenseStepOptions {
  lookup: (doc: Doc) => KnownLicenses | undefined;
  keep: ReadonlySet<LicenseType>;
  headers: boolean;
  maxHeaderLines: number;
}

export const DEFAULT_KEEP: readonly LicenseType[] = ['permissive', 'no_license'];

export function resolveLicenseStepOptions(options: LicenseStepOptions = {}): ResolvedLicenseStepOptions {
  const { licenses } = options;
  let lookup: ResolvedLicenseStepOptions['lookup'];
  if (licenses === undefined) lookup = () => undefined;
  else if (typeof licenses === 'function') lookup = licenses;
  else if (licenses instanceof Map) lookup = (doc) => licenses.get(doc.id);
  else throw new LicenseOptionsError('licenses', 'must be a Map keyed by doc.id or a function of the doc');

  const kept = options.keep ?? DEFAULT_KEEP;
  if (!Array.isArray(kept) || kept.length === 0) throw new LicenseOptionsError('keep', 'must name at least one license type');
  kept.forEach((t, i) => {
    if (!LICENSE_TYPES.includes(t)) throw new LicenseOptionsError(`keep[${i}]`, `must be one of ${LICENSE_TYPES.join(', ')}`);
  });
  if (options.headers !== undefined && typeof options.headers !== 'boolean') throw new LicenseOptionsError('headers', 'must be a boolean');
  return { lookup, keep: new Set(kept), headers: options.headers ?? true, maxHeaderLines: resolveMaxLines(options.maxHeaderLines, 'maxHeaderLines') };
}

export function licenseStep(options: LicenseStepOptions = {}): Step {
  const resolved = resolveLicenseStepOptions(options);
  return {
    name: 'license',
    run(doc) {
      const known = resolved.lookup(doc);
      const ids = known === undefined ? [] : isIdList(known) ? known : known.detected_licenses;
      const knownType = known === undefined || isIdList(known) ? undefined : known.license_type;
      const headers = resolved.headers ? findSpdxHeaders(doc.content, { maxLines: resolved.maxHeaderLines }) : [];
      const valid = headers.filter((h) => h.valid);
      const type = combineTypes(knownType ?? licenseType(ids), licenseType(valid));
      const meta: Record<string, unknown> = {
        ...doc.meta,
        detected_licenses: sortIds([...ids, ...valid.flatMap((h) => h.ids)]),
        license_type: type,
      };
      const invalid = headers.filter((h) => !h.valid).map((h) => h.raw);
      if (invalid.length > 0) meta.invalid_license_headers = invalid;
      return resolved.keep.has(type) ? keep({ ...doc, meta }) : drop(type);
    },
  };
}

function isIdList(known: KnownLicenses): known is readonly string[] {
  return Array.isArray(known);
}
