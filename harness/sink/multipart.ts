// multipart/form-data as curl -F sends it: the sink keeps the first file part as the upload body.

/** The boundary of a multipart/form-data Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export interface MultipartPart {
  headers: Record<string, string>;
  name?: string;
  filename?: string;
  body: Buffer;
}

/** Splits a multipart body into parts; throws with a reason when it is malformed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new Error('no multipart boundary in the body');
  for (;;) {
    pos += delim.length;
    // "--" after a delimiter ends the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else throw new Error('malformed multipart delimiter line');
    const headEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd < 0) throw new Error('multipart part without a header end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString('latin1').split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    const start = headEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delim]), start);
    if (next < 0) throw new Error('multipart part is not terminated by the boundary');
    const part: MultipartPart = { headers, body: body.subarray(start, next) };
    const cd = headers['content-disposition'] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(cd)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(cd)?.[1];
    if (name !== undefined) part.name = name;
    if (filename !== undefined) part.filename = filename;
    parts.push(part);
    pos = next + 2;
  }
}

/** The first part that carries a file (a filename), else the first part. */
export function firstFilePart(parts: MultipartPart[]): MultipartPart | undefined {
  return parts.find((p) => p.filename !== undefined) ?? parts[0];
}
