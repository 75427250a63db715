// One streamed Chat Completions chunk with one choice, built by concatenation around the stream's
// fixed head (id, object, created, model, `"choices":[`) and tail (`,"usage":...}` or `}`):
// every transducer that writes chat.completion.chunk events shares this shape.
export function choiceChunk(head: string, index: number, delta: string, finish: string | null, tail: string): string {
  return (
    head +
    '{"index":' +
    index +
    ',"delta":' +
    delta +
    ',"logprobs":null,"finish_reason":' +
    (finish === null ? 'null' : '"' + finish + '"') +
    '}]' +
    tail
  );
}
