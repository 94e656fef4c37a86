/** The pipeline step: documents whose `meta.repo` is opted out are dropped as `optout:opted_out`. */
import { drop, keep, type Step } from '../pipeline.js';
import type { OptOutSnapshot } from './snapshot.js';

export const OPTOUT_STEP = 'optout';
export const OPTED_OUT = 'opted_out';

/**
 * A document without a readable `meta.repo` is kept: the registry names repositories, and a file
 * whose origin is unknown cannot be matched against it. Put the step after whatever sets `meta.repo`.
 */
export function optoutStep(snapshot: OptOutSnapshot): Step {
  return {
    name: OPTOUT_STEP,
    run: (doc) => (snapshot.matches(doc.meta.repo) ? drop(OPTED_OUT) : keep()),
  };
}
