/**
 * A minimal Parquet writer for test fixtures (hyparquet only reads): uncompressed PLAIN data pages,
 * one page per column chunk, optional string / int64 columns and an optional list<string> column
 * laid out as The Stack's `detected_licenses` (3-level LIST). Enough to exercise the reader.
 */
export type ColumnKind = 'string' | 'bytes' | 'int64' | 'string_list';
export interface Column {
  name: string;
  kind: ColumnKind;
}
export type Row = Record<string, string | Uint8Array | number | string[] | null | undefined>;

const enum T { I32 = 5, I64 = 6, BINARY = 8, LIST = 9, STRUCT = 12 }

class Thrift {
  readonly out: number[] = [];
  private last: number[] = [0];

  private varint(n: bigint): void {
    while (n >= 0x80n) {
      this.out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.out.push(Number(n));
  }
  private zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }
  private field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.out.push((delta << 4) | type);
    else {
      this.out.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): this {
    this.field(id, T.I32);
    this.zigzag(v);
    return this;
  }
  i64(id: number, v: number): this {
    this.field(id, T.I64);
    this.zigzag(v);
    return this;
  }
  binary(id: number, v: string | Uint8Array): this {
    const bytes = typeof v === 'string' ? Buffer.from(v) : v;
    this.field(id, T.BINARY);
    this.varint(BigInt(bytes.length));
    this.out.push(...bytes);
    return this;
  }
  /** A struct body (fields then stop); `id` 0 writes a bare struct (a list element or the top level). */
  struct(id: number, body: (t: this) => void): this {
    if (id > 0) this.field(id, T.STRUCT);
    this.last.push(0);
    body(this);
    this.out.push(0);
    this.last.pop();
    return this;
  }
  list<V>(id: number, type: number, items: readonly V[], each: (t: this, v: V) => void): this {
    this.field(id, T.LIST);
    if (items.length < 15) this.out.push((items.length << 4) | type);
    else {
      this.out.push(0xf0 | type);
      this.varint(BigInt(items.length));
    }
    for (const v of items) each(this, v);
    return this;
  }
  i32Item(v: number): void {
    this.zigzag(v);
  }
  binaryItem(v: string): void {
    const b = Buffer.from(v);
    this.varint(BigInt(b.length));
    this.out.push(...b);
  }
}

/** RLE/bit-packed hybrid with one run per value (valid, if not compact), 4-byte length first. */
function levels(values: number[]): Buffer {
  const body = Buffer.from(values.flatMap((v) => [2, v]));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([len, body]);
}

function plain(kind: ColumnKind, v: string | Uint8Array | number): Buffer {
  if (kind === 'int64') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v as number));
    return b;
  }
  const bytes = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v as Uint8Array);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function page(column: Column, rows: Row[]): { data: Buffer; numValues: number } {
  const values: Buffer[] = [];
  if (column.kind === 'string_list') {
    const rep: number[] = [];
    const def: number[] = [];
    for (const row of rows) {
      const list = row[column.name] as string[] | null | undefined;
      if (list == null) { rep.push(0); def.push(0); continue; }
      if (list.length === 0) { rep.push(0); def.push(1); continue; }
      list.forEach((s, i) => { rep.push(i === 0 ? 0 : 1); def.push(3); values.push(plain('string', s)); });
    }
    return { data: Buffer.concat([levels(rep), levels(def), ...values]), numValues: def.length };
  }
  const def: number[] = [];
  for (const row of rows) {
    const v = row[column.name];
    if (v == null) def.push(0);
    else {
      def.push(1);
      values.push(plain(column.kind, v as string | number | Uint8Array));
    }
  }
  return { data: Buffer.concat([levels(def), ...values]), numValues: def.length };
}

export function writeParquet(columns: Column[], rows: Row[], rowGroupSize = rows.length || 1): Buffer {
  const parts: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const groups: Array<{ rows: number; chunks: Array<{ column: Column; offset: number; size: number; numValues: number }> }> = [];
  for (let start = 0; start < rows.length; start += rowGroupSize) {
    const slice = rows.slice(start, start + rowGroupSize);
    const chunks = [];
    for (const column of columns) {
      const { data, numValues } = page(column, slice);
      const header = new Thrift().struct(0, (t) =>
        t.i32(1, 0).i32(2, data.length).i32(3, data.length).struct(5, (d) => d.i32(1, numValues).i32(2, 0).i32(3, 3).i32(4, 3)),
      );
      const bytes = Buffer.concat([Buffer.from(header.out), data]);
      chunks.push({ column, offset, size: bytes.length, numValues });
      parts.push(bytes);
      offset += bytes.length;
    }
    groups.push({ rows: slice.length, chunks });
  }
  const pathOf = (c: Column) => (c.kind === 'string_list' ? [c.name, 'list', 'element'] : [c.name]);
  const typeOf = (c: Column) => (c.kind === 'int64' ? 2 : 6);
  const meta = new Thrift().struct(0, (t) => {
    t.i32(1, 1);
    const schema: Array<(s: Thrift) => void> = [(s) => s.binary(4, 'schema').i32(5, columns.length)];
    for (const c of columns) {
      if (c.kind === 'string_list') {
        schema.push((s) => s.i32(3, 1).binary(4, c.name).i32(5, 1).i32(6, 3));
        schema.push((s) => s.i32(3, 2).binary(4, 'list').i32(5, 1));
        schema.push((s) => s.i32(1, 6).i32(3, 1).binary(4, 'element').i32(6, 0));
      } else if (c.kind === 'int64') {
        schema.push((s) => s.i32(1, 2).i32(3, 1).binary(4, c.name));
      } else {
        schema.push((s) => { s.i32(1, 6).i32(3, 1).binary(4, c.name); if (c.kind === 'string') s.i32(6, 0); });
      }
    }
    t.list(2, T.STRUCT, schema, (s, body) => s.struct(0, body));
    t.i64(3, rows.length);
    t.list(4, T.STRUCT, groups, (s, g) =>
      s.struct(0, (rg) => {
        rg.list(1, T.STRUCT, g.chunks, (s2, ch) =>
          s2.struct(0, (cc) =>
            cc.i64(2, ch.offset).struct(3, (m) => {
              m.i32(1, typeOf(ch.column));
              m.list(2, T.I32, [0, 3], (s3, e) => s3.i32Item(e));
              m.list(3, T.BINARY, pathOf(ch.column), (s3, p) => s3.binaryItem(p));
              m.i32(4, 0).i64(5, ch.numValues).i64(6, ch.size).i64(7, ch.size).i64(9, ch.offset);
            }),
          ),
        );
        rg.i64(2, g.chunks.reduce((n, ch) => n + ch.size, 0)).i64(3, g.rows);
      }),
    );
  });
  const footer = Buffer.from(meta.out);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  parts.push(footer, len, Buffer.from('PAR1'));
  return Buffer.concat(parts);
}
