/** Real-looking source files in six languages: the originals near-duplicates are made from. */

export const LRU_TS = `/**
 * A least-recently-used cache with a fixed capacity. Reads refresh an entry; writes past the
 * capacity evict the entry that was used longest ago.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer');
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Returns the value and marks the entry as most recently used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): this {
    if (this.entries.has(key)) this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      this.onEvict?.(oldest);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Called with every key the cache pushes out. */
  onEvict?: (key: K) => void;

  *keys(): IterableIterator<K> {
    yield* this.entries.keys();
  }

  toJSON(): Array<[K, V]> {
    return [...this.entries];
  }
}
`;

export const CONFIG_PY = `"""Load service settings from an INI file, the environment and the command line, in that order."""
import argparse
import configparser
import os
import sys
from dataclasses import dataclass, field


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    debug: bool = False
    allowed_origins: list = field(default_factory=list)


def parse_bool(value):
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def from_file(path, settings):
    parser = configparser.ConfigParser()
    if not parser.read(path):
        return settings
    section = parser["server"] if parser.has_section("server") else {}
    settings.host = section.get("host", settings.host)
    settings.port = int(section.get("port", settings.port))
    settings.workers = int(section.get("workers", settings.workers))
    settings.debug = parse_bool(section.get("debug", settings.debug))
    origins = section.get("allowed_origins", "")
    settings.allowed_origins = [o.strip() for o in origins.split(",") if o.strip()]
    return settings


def from_env(environ, settings):
    prefix = "APP_"
    if prefix + "HOST" in environ:
        settings.host = environ[prefix + "HOST"]
    if prefix + "PORT" in environ:
        settings.port = int(environ[prefix + "PORT"])
    if prefix + "DEBUG" in environ:
        settings.debug = parse_bool(environ[prefix + "DEBUG"])
    return settings


def main(argv=None):
    cli = argparse.ArgumentParser(description="Start the service")
    cli.add_argument("--config", default="service.ini")
    cli.add_argument("--port", type=int)
    cli.add_argument("--debug", action="store_true")
    args = cli.parse_args(argv)
    settings = from_env(os.environ, from_file(args.config, Settings()))
    if args.port is not None:
        settings.port = args.port
    if args.debug:
        settings.debug = True
    print(f"listening on {settings.host}:{settings.port} with {settings.workers} workers", file=sys.stderr)
    return settings


if __name__ == "__main__":
    main()
`;

export const HANDLER_GO = `package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Todo is one item of a user's list.
type Todo struct {
	ID        int       \`json:"id"\`
	Title     string    \`json:"title"\`
	Done      bool      \`json:"done"\`
	CreatedAt time.Time \`json:"created_at"\`
}

// Store keeps todos in memory; safe for concurrent handlers.
type Store struct {
	mu     sync.RWMutex
	nextID int
	items  map[int]Todo
}

func NewStore() *Store {
	return &Store{nextID: 1, items: make(map[int]Todo)}
}

var errNotFound = errors.New("todo not found")

func (s *Store) Add(title string) Todo {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Todo{ID: s.nextID, Title: title, CreatedAt: time.Now().UTC()}
	s.items[t.ID] = t
	s.nextID++
	return t
}

func (s *Store) Get(id int) (Todo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.items[id]
	if !ok {
		return Todo{}, errNotFound
	}
	return t, nil
}

// ServeHTTP handles GET /todos/{id} and POST /todos.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		id, err := strconv.Atoi(r.URL.Path[len("/todos/"):])
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		t, err := s.Get(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, t)
	case http.MethodPost:
		var body struct{ Title string \`json:"title"\` }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Title == "" {
			http.Error(w, "title required", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusCreated, s.Add(body.Title))
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
`;

export const RING_C = `/* ring.c - a fixed-size byte ring buffer for a UART driver. Single producer, single consumer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RING_SIZE 256u /* must be a power of two */

typedef struct {
    uint8_t data[RING_SIZE];
    volatile size_t head; /* next write position */
    volatile size_t tail; /* next read position */
    size_t dropped;
} ring_t;

void ring_init(ring_t *r)
{
    memset(r, 0, sizeof(*r));
}

static inline size_t ring_used(const ring_t *r)
{
    return (r->head - r->tail) & (RING_SIZE - 1u);
}

static inline size_t ring_free(const ring_t *r)
{
    return RING_SIZE - 1u - ring_used(r);
}

/* Called from the receive interrupt: never blocks, counts what does not fit. */
int ring_put(ring_t *r, uint8_t byte)
{
    if (ring_free(r) == 0) {
        r->dropped++;
        return -1;
    }
    r->data[r->head] = byte;
    r->head = (r->head + 1u) & (RING_SIZE - 1u);
    return 0;
}

int ring_get(ring_t *r, uint8_t *out)
{
    if (ring_used(r) == 0) {
        return -1;
    }
    *out = r->data[r->tail];
    r->tail = (r->tail + 1u) & (RING_SIZE - 1u);
    return 0;
}

/* Copies up to len bytes out of the ring; returns how many were copied. */
size_t ring_read(ring_t *r, uint8_t *dst, size_t len)
{
    size_t n = 0;
    while (n < len && ring_get(r, &dst[n]) == 0) {
        n++;
    }
    return n;
}

size_t ring_write(ring_t *r, const uint8_t *src, size_t len)
{
    size_t n = 0;
    while (n < len && ring_put(r, src[n]) == 0) {
        n++;
    }
    return n;
}
`;

export const LEXER_RS = `//! A small lexer for arithmetic expressions: numbers, identifiers, operators and parentheses.
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Number(f64),
    Ident(String),
    Op(char),
    LParen,
    RParen,
}

#[derive(Debug)]
pub struct LexError {
    pub position: usize,
    pub found: char,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected {:?} at {}", self.found, self.position)
    }
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = text.parse().map_err(|_| LexError { position: start, found: c })?;
            tokens.push(Token::Number(value));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else if "+-*/^%".contains(c) {
            tokens.push(Token::Op(c));
            i += 1;
        } else if c == '(' {
            tokens.push(Token::LParen);
            i += 1;
        } else if c == ')' {
            tokens.push(Token::RParen);
            i += 1;
        } else {
            return Err(LexError { position: i, found: c });
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_an_expression() {
        let tokens = tokenize("2 * (x + 3.5)").unwrap();
        assert_eq!(tokens.len(), 7);
        assert_eq!(tokens[0], Token::Number(2.0));
    }
}
`;

export const EMITTER_JS = `'use strict';

/**
 * A tiny event emitter: on, once, off and emit, with listener errors reported instead of thrown
 * through the emitter.
 */
class Emitter {
  constructor() {
    this.listeners = new Map();
    this.onError = (err) => console.error('listener failed:', err);
  }

  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const list = this.listeners.get(event) || [];
    list.push({ listener, once: false });
    this.listeners.set(event, list);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const off = this.on(event, listener);
    const list = this.listeners.get(event);
    list[list.length - 1].once = true;
    return off;
  }

  off(event, listener) {
    const list = this.listeners.get(event);
    if (!list) return false;
    const index = list.findIndex((entry) => entry.listener === listener);
    if (index === -1) return false;
    list.splice(index, 1);
    if (list.length === 0) this.listeners.delete(event);
    return true;
  }

  emit(event, ...args) {
    const list = this.listeners.get(event);
    if (!list) return 0;
    let called = 0;
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.listener);
      try {
        entry.listener.apply(this, args);
        called++;
      } catch (err) {
        this.onError(err);
      }
    }
    return called;
  }

  listenerCount(event) {
    const list = this.listeners.get(event);
    return list ? list.length : 0;
  }
}

module.exports = { Emitter };
`;

export const SOURCES: Record<string, string> = {
  'lru.ts': LRU_TS,
  'config.py': CONFIG_PY,
  'handler.go': HANDLER_GO,
  'ring.c': RING_C,
  'lexer.rs': LEXER_RS,
  'emitter.js': EMITTER_JS,
};
