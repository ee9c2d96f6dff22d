// Reads an OTLP request body: enforces the size limit on what the client sent and, for gzip, on
// what it inflates to, stopping inflation at the limit so a gzip bomb costs at most the limit.
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { HttpError } from '../../common/runtime/http-error.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export type BodyEncoding = 'protobuf' | 'json';

export function bodyEncoding(contentType: string | undefined): BodyEncoding {
  const mime = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  if (mime === 'application/json') return 'json';
  throw new HttpError(
    415,
    `unsupported content-type "${contentType ?? ''}": send application/x-protobuf or application/json`,
  );
}

export async function decompress(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw new HttpError(415, `unsupported content-encoding "${encoding}": send gzip, deflate or none`);
  }
  try {
    return encoding === 'gzip'
      ? await gunzipAsync(body, { maxOutputLength: limit })
      : await inflateAsync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `request body inflates to more than ${limit} bytes (CAIRN_MAX_REQUEST_BYTES)`);
    }
    throw new HttpError(400, `request body is not valid ${encoding}: ${(err as Error).message}`);
  }
}
