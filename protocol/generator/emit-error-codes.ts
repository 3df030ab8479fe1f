// Emits error-codes.ts from errors.json.

import { Code, GENERATED_BANNER, quote } from './code.js';

export interface RawError {
  readonly name: string;
  readonly code: number;
  readonly retriable: boolean;
  readonly message: string | null;
}

export function emitErrorCodes(errors: readonly RawError[]): string {
  const names = new Set<string>();
  const codes = new Set<number>();
  for (const e of errors) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(e.name) || names.has(e.name) || codes.has(e.code)) {
      throw new Error(`errors.json: bad or duplicate entry ${e.name} (${e.code})`);
    }
    names.add(e.name);
    codes.add(e.code);
  }
  const c = new Code();
  c.line(GENERATED_BANNER, '// Source: errors.json (Errors.java of Apache Kafka 3.9.0).', '');
  c.line('/** Kafka error codes by name, as sent in `ErrorCode` fields. */');
  c.block('export const ErrorCode =', () => {
    for (const e of errors) c.line(`${e.name}: ${e.code},`);
  }, '} as const;');
  c.line('');
  c.line('export type ErrorCodeName = keyof typeof ErrorCode;');
  c.line('export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];');
  c.line('');
  c.block('export interface ErrorInfo', () => {
    c.line('readonly name: ErrorCodeName;');
    c.line('readonly code: ErrorCodeValue;');
    c.line('/** True when a Java client may retry the request unchanged (RetriableException). */');
    c.line('readonly retriable: boolean;');
    c.line('/** The default message of the exception; null for NONE. */');
    c.line('readonly message: string | null;');
  });
  c.line('');
  c.block('const errors: readonly ErrorInfo[] = [', () => {
    for (const e of errors) {
      c.line(`{ name: ${quote(e.name)}, code: ${e.code}, retriable: ${e.retriable}, message: ${e.message === null ? 'null' : quote(e.message)} },`);
    }
  }, '];');
  c.line('');
  c.line('const byCode = new Map<number, ErrorInfo>(errors.map((e) => [e.code, e]));');
  c.line('');
  c.line('/** Name, retriability and default message of an error code; undefined for codes Kafka 3.9 does not define. */');
  c.block('export function errorInfo(code: number): ErrorInfo | undefined', () => {
    c.line('return byCode.get(code);');
  });
  return c.toString();
}
