// The error for a request body that cannot be decoded at all; the HTTP layer answers it with 400
// and the message, so the message must say what is wrong and where (JSON path or byte offset).

export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
