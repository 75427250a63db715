// The content blocks of an Anthropic Messages stream being written: one block open at a time,
// indexes in order, `content_block_start` when a block of another kind begins and
// `content_block_stop` before it. Shared by the transducers that write Anthropic events from
// another format (OpenAI chunks, Gemini chunks).
import type { SseOutput } from './sse-writer.js';

export type BlockKind = 'text' | 'thinking' | 'tool';

const EMPTY: Record<'text' | 'thinking', string> = {
  text: '{"type":"text","text":""}',
  thinking: '{"type":"thinking","thinking":"","signature":""}',
};

export class MessageBlocks {
  private open: { index: number; kind: BlockKind } | null = null;
  private next = 0;

  constructor(
    private readonly out: SseOutput,
    /** Called before every delta and tool start (time to first token). */
    private readonly onToken: () => void,
  ) {}

  get openKind(): BlockKind | null {
    return this.open?.kind ?? null;
  }

  get openIndex(): number | null {
    return this.open?.index ?? null;
  }

  /** The open text or thinking block, or a new one after closing whatever was open. */
  ensure(kind: 'text' | 'thinking'): number {
    if (this.open?.kind === kind) return this.open.index;
    this.close();
    const index = this.next++;
    this.open = { index, kind };
    this.out.event('content_block_start', '{"type":"content_block_start","index":' + index + ',"content_block":' + EMPTY[kind] + '}');
    return index;
  }

  /** Opens a tool_use block (input `{}`, filled by input_json_delta); returns its index. */
  startTool(id: string, name: string): number {
    this.close();
    const index = this.next++;
    this.open = { index, kind: 'tool' };
    this.onToken();
    const block = { type: 'tool_use', id, name, input: {} };
    this.out.event('content_block_start', JSON.stringify({ type: 'content_block_start', index, content_block: block }));
    return index;
  }

  /** A content_block_delta (`delta` is its JSON) for block `index`. */
  delta(index: number, delta: string): void {
    this.onToken();
    this.out.event('content_block_delta', '{"type":"content_block_delta","index":' + index + ',"delta":' + delta + '}');
  }

  close(): void {
    if (this.open === null) return;
    this.out.event('content_block_stop', '{"type":"content_block_stop","index":' + this.open.index + '}');
    this.open = null;
  }
}
