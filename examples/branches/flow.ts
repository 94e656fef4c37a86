/**
 * A static branch joined with mergeArtifacts, then a switch choosing a path by a computed field.
 *
 *   npx mesh run examples/branches/flow.ts --param text="a short sentence"
 */
import { FlowSpec, Inputs, param, step } from 'stackmesh';

export default class Branches extends FlowSpec {
  @param({ default: 'the quick brown fox jumps over the lazy dog', help: 'text to measure' }) text!: string;
  words!: string[];
  letters!: number;
  wordCount!: number;
  size!: 'big' | 'small';
  verdict!: string;

  /** Splits the text into words, then measures it two ways at once. */
  @step start() {
    this.words = this.text.split(/\s+/).filter(Boolean);
    this.next(this.countLetters, this.countWords);
  }

  @step countLetters() {
    this.letters = this.words.join('').length;
    this.next(this.merge);
  }

  @step countWords() {
    this.wordCount = this.words.length;
    this.next(this.merge);
  }

  /** Both branches agree on `words`, so it merges; each brings its own count. */
  @step merge(inputs: Inputs<Branches>) {
    this.mergeArtifacts(inputs);
    this.size = this.wordCount > 5 ? 'big' : 'small';
    this.next({ big: this.summarize, small: this.quote }, { condition: 'size' });
  }

  @step summarize() {
    this.verdict = `${this.wordCount} words, ${this.letters} letters`;
    this.next(this.end);
  }

  @step quote() {
    this.verdict = `"${this.words.join(' ')}"`;
    this.next(this.end);
  }

  @step end() {
    console.log(`${this.size}: ${this.verdict}`);
  }
}
