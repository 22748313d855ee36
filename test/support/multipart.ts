import { randomBytes } from 'node:crypto';

export interface FormPart {
  name: string;
  /** Makes the part a file. */
  filename?: string;
  contentType?: string;
  content: Buffer | string;
}

/** A `multipart/form-data` body built by hand, for `app.inject({ payload, headers })`. */
export function multipartForm(parts: FormPart[]): { payload: Buffer; headers: { 'content-type': string } } {
  const boundary = `----chat-test-${randomBytes(8).toString('hex')}`;
  const chunks = parts.flatMap((part) => {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType ?? (part.filename === undefined ? undefined : 'application/octet-stream');
    const head = `--${boundary}\r\ncontent-disposition: ${disposition}\r\n${type ? `content-type: ${type}\r\n` : ''}\r\n`;
    return [Buffer.from(head), Buffer.from(part.content), Buffer.from('\r\n')];
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The usual upload: one file in the field `file`. */
export function fileForm(content: Buffer, filename = 'upload.bin', contentType?: string) {
  return multipartForm([{ name: 'file', filename, contentType, content }]);
}
