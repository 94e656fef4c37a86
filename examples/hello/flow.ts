/**
 * The smallest flow: two steps and an artifact passed between them.
 *
 *   npx mesh run examples/hello/flow.ts --param name=you
 */
import { FlowSpec, param, step } from 'stackmesh';

export default class Hello extends FlowSpec {
  @param({ default: 'world', help: 'who to greet' }) name!: string;
  greeting!: string;

  /** Builds the greeting. */
  @step start() {
    this.greeting = `hello, ${this.name}`;
    this.next(this.end);
  }

  /** Prints it. */
  @step end() {
    console.log(this.greeting);
  }
}
