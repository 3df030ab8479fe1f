// Control records (in batches with the control attribute bit):
//   key   = version int16 (0) | type int16
//   value = for ABORT/COMMIT (the transaction end marker): version int16 (0) | coordinatorEpoch int32
// Other types (KRaft's LEADER_CHANGE, SNAPSHOT_*, …) can appear in Kafka's internal logs; we parse
// their key but leave the value to the caller.
import { RecordsError, RecordsErrorCode } from './errors.js';

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VALUE_VERSION = 0;

export interface ControlRecordKey {
  version: number;
  type: number;
}

export interface EndTxnMarker {
  commit: boolean;
  /** version of the value layout */
  version: number;
  coordinatorEpoch: number;
}

function invalid(message: string): RecordsError {
  return new RecordsError(RecordsErrorCode.INVALID_CONTROL_RECORD, message);
}

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(CONTROL_RECORD_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(END_TXN_MARKER_VALUE_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Parses a control record key. Like Kafka, a key longer than 4 bytes (a newer version) is accepted. */
export function parseControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < 4) throw invalid(`control record key must be at least 4 bytes, got ${key?.length ?? 'null'}`);
  const version = key.readInt16BE(0);
  if (version < 0) throw invalid(`negative control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

/** Parses an ABORT/COMMIT control record; INVALID_CONTROL_RECORD for any other type or layout. */
export function parseEndTxnMarker(record: { key: Buffer | null; value: Buffer | null }): EndTxnMarker {
  const { type } = parseControlRecordKey(record.key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) {
    throw invalid(`control record type ${type} is not a transaction marker`);
  }
  const value = record.value;
  if (value === null || value.length < 6) {
    throw invalid(`transaction marker value must be at least 6 bytes, got ${value?.length ?? 'null'}`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw invalid(`negative transaction marker version ${version}`);
  return { commit: type === ControlRecordType.COMMIT, version, coordinatorEpoch: value.readInt32BE(2) };
}
