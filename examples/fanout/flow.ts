/**
 * A foreach with a join: one partition per number, squared in parallel, summed in the join.
 *
 *   npx mesh run examples/fanout/flow.ts --param n=1000
 */
import { FlowSpec, Inputs, param, retry, step } from 'stackmesh';

export default class Fanout extends FlowSpec {
  @param({ default: 100, help: 'how many partitions' }) n!: number;
  items!: number[];
  square!: number;
  total!: number;

  /** One partition per number below n. */
  @step start() {
    this.items = [...Array(this.n).keys()];
    this.next(this.sq, { foreach: 'items' });
  }

  /** Squares this partition's number. */
  @retry({ times: 2 }) @step sq() {
    this.square = this.input * this.input;
    this.next(this.join);
  }

  /** Adds up every partition's square. */
  @step join(inputs: Inputs<Fanout>) {
    this.total = inputs.reduce((sum, t) => sum + t.square, 0);
    this.next(this.end);
  }

  @step end() {
    console.log(`sum of squares below ${this.n}: ${this.total}`);
  }
}
