import { FlowSpec, Inputs, param, step } from 'stackmesh';

/** A foreach of a trivial step: measures per-task overhead, nothing else. */
export default class TrivialForeach extends FlowSpec {
  @param({ default: 10000 }) n!: number;
  items!: number[];
  out!: number;
  count!: number;

  @step start() {
    this.items = Array.from({ length: this.n }, (_, i) => i);
    this.next(this.work, { foreach: 'items' });
  }

  @step work() {
    this.out = this.input + 1;
    this.next(this.join);
  }

  @step join(inputs: Inputs<TrivialForeach>) {
    this.count = inputs.length;
    this.next(this.end);
  }

  @step end() {}
}
