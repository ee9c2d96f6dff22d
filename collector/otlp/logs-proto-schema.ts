// The OTLP logs protobuf schema, loaded once from ./proto at module load, and the shapes
// protobufjs decodes it into. Same loading and same no-toObject decoding as the trace schema in
// proto-schema.ts, whose AnyValue/KeyValue shapes and 64-bit helpers these messages share.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { PbKeyValue, PbAnyValue, PbLong } from './proto-schema.ts';

const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url));

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as in upstream.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto');
  root.resolveAll();
  return root;
}

const root = loadRoot();

export const exportLogsServiceRequestType: protobuf.Type = root.lookupType(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
);
export const exportLogsServiceResponseType: protobuf.Type = root.lookupType(
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
);

/** Decoded LogRecord: unset scalars read as proto3 defaults, an unset body as null. */
export interface PbLogRecord {
  readonly timeUnixNano: PbLong;
  readonly observedTimeUnixNano: PbLong;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: PbAnyValue | null;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly eventName: string;
}

export interface PbScopeLogs {
  readonly scope: { readonly name: string; readonly version: string } | null;
  readonly logRecords: readonly PbLogRecord[];
}

export interface PbResourceLogs {
  readonly resource: { readonly attributes: readonly PbKeyValue[] } | null;
  readonly scopeLogs: readonly PbScopeLogs[];
}

export interface PbExportLogsServiceRequest {
  readonly resourceLogs: readonly PbResourceLogs[];
}
