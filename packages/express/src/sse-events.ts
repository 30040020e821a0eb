/** One Server-Sent Event as the WHATWG parsing rules put it together. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** A line ends at CRLF, LF or a lone CR (WHATWG). */
const LINE_END = /\r\n|\r|\n/;

/**
 * Reads Server-Sent Events from a response body. Calls `onActivity` for every
 * chunk (heartbeat comments included), so a caller can tell a quiet stream
 * from a dead one.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, onActivity: () => void = () => undefined): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    onActivity();
    buffer += decoder.decode(chunk, { stream: true });
    for (let newline = buffer.search(LINE_END); newline >= 0; newline = buffer.search(LINE_END)) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n"), ...(id === undefined ? {} : { id }) };
        event = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
  }
}
