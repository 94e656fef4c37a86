/**
 * The pool threads' entry, in CommonJS. piscina loads a thread's handler with require() first, and on
 * Node 20.19+ require() of an ES module can abort the whole process (V8: "IsGraphAsync must be used
 * on an instantiated module", seen once in CI when tasks reached a fresh thread together). This file
 * needs no require() of ESM: it loads thread.js once, with import(), and hands it every request.
 */
type Thread = typeof import('./thread.js', { with: { 'resolution-mode': 'import' } });

let handle: Promise<Thread['default']> | undefined;

export = function run(request: Parameters<Thread['default']>[0]): ReturnType<Thread['default']> {
  handle ??= import('./thread.js').then((m) => m.default);
  return handle.then((h) => h(request));
};
