// A real A2A agent for the e2e tests, built from @a2a-js/sdk's server classes (DefaultRequestHandler,
// InMemoryTaskStore, the Express JSON-RPC and agent-card handlers) on port 0, under a path prefix
// so the gateway route forwards to it unchanged. v0.3 compatibility is on: a v0.3 client (or a
// card request without A2A-Version) gets the v0.3 card shape and v0.3 method names.
//
// What the executor does depends on the user's text:
//   "stream"  task submitted -> working -> artifact chunk 1 -> (waits for `release()`) ->
//             artifact chunk 2 -> completed; waiting proves the gateway relays events as they
//             come: a buffering proxy would never show the test the first events.
//   "hold"    task working, then nothing until cancelled (publishes canceled).
//   "fail"    the executor throws (the SDK answers with a failed task).
//   anything  an agent message "echo: <text>".
import express from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentCard, Message, Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';

export interface TestAgent {
  readonly port: number;
  readonly prefix: string;
  /** Internal URL of the JSON-RPC endpoint, as the agent advertises it. */
  readonly rpcUrl: string;
  /** Request headers the agent received, newest last. */
  readonly seen: Record<string, string | string[] | undefined>[];
  /** Paths of requests whose client went away before the response ended. */
  readonly abandoned: string[];
  /** Lets a waiting "stream" task go on. */
  release(): void;
  close(): Promise<void>;
}

class Executor implements AgentExecutor {
  private readonly cancelled = new Map<string, () => void>();
  releaseStream: () => void = () => {};
  private streamGate: Promise<void> = this.newGate();

  private newGate(): Promise<void> {
    return new Promise((r) => (this.releaseStream = r));
  }

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const part = ctx.userMessage.parts[0]?.content;
    const text = part?.$case === 'text' ? part.value : '';
    const ids = { taskId: ctx.taskId, contextId: ctx.contextId };
    if (text === 'stream') return this.stream(ids, bus);
    if (text === 'hold') return this.hold(ids, bus);
    if (text === 'fail') throw new Error('agent failure on purpose');
    bus.publish(
      AgentEvent.message(
        Message.fromJSON({
          messageId: `m-${ids.taskId}`,
          contextId: ids.contextId,
          role: 'ROLE_AGENT',
          parts: [{ text: `echo: ${text}` }],
        }),
      ),
    );
    bus.finished();
  }

  private async stream(ids: { taskId: string; contextId: string }, bus: ExecutionEventBus): Promise<void> {
    bus.publish(AgentEvent.task(task(ids, 'TASK_STATE_SUBMITTED')));
    bus.publish(AgentEvent.statusUpdate(status(ids, 'TASK_STATE_WORKING')));
    bus.publish(AgentEvent.artifactUpdate(artifact(ids, 'chunk-1', false)));
    await this.streamGate;
    this.streamGate = this.newGate();
    bus.publish(AgentEvent.artifactUpdate(artifact(ids, 'chunk-2', true)));
    bus.publish(AgentEvent.statusUpdate(status(ids, 'TASK_STATE_COMPLETED')));
    bus.finished();
  }

  private async hold(ids: { taskId: string; contextId: string }, bus: ExecutionEventBus): Promise<void> {
    bus.publish(AgentEvent.task(task(ids, 'TASK_STATE_WORKING')));
    await new Promise<void>((r) => this.cancelled.set(ids.taskId, r));
    bus.publish(AgentEvent.statusUpdate(status(ids, 'TASK_STATE_CANCELED')));
    bus.finished();
  }

  async cancelTask(taskId: string): Promise<void> {
    this.cancelled.get(taskId)?.();
    this.cancelled.delete(taskId);
  }
}

function task(ids: { taskId: string; contextId: string }, state: string): Task {
  return Task.fromJSON({ id: ids.taskId, contextId: ids.contextId, status: { state } });
}

function status(ids: { taskId: string; contextId: string }, state: string): TaskStatusUpdateEvent {
  return TaskStatusUpdateEvent.fromJSON({ ...ids, status: { state } });
}

function artifact(ids: { taskId: string; contextId: string }, text: string, lastChunk: boolean): TaskArtifactUpdateEvent {
  return TaskArtifactUpdateEvent.fromJSON({
    ...ids,
    artifact: { artifactId: 'a-1', parts: [{ text }] },
    append: text !== 'chunk-1',
    lastChunk,
  });
}

export async function startAgent(prefix: string): Promise<TestAgent> {
  const app = express();
  const seen: TestAgent['seen'] = [];
  const abandoned: string[] = [];
  app.use((req: IncomingMessage & { originalUrl: string }, res: ServerResponse, next: () => void) => {
    seen.push({ ...req.headers });
    res.on('close', () => {
      if (!res.writableFinished) abandoned.push(req.originalUrl);
    });
    next();
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}${prefix}`;
  const cardJson = (name: string) => ({
    name,
    description: 'Echoes, streams and holds tasks',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${base}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${base}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: true, extendedAgentCard: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'echo', description: 'Echoes text', tags: ['test'] }],
  });
  const card = AgentCard.fromJSON(cardJson('Test agent'));
  // The extended card (GetExtendedAgentCard, GET .../extendedAgentCard) advertises the same internal URLs.
  const extended = AgentCard.fromJSON(cardJson('Test agent (extended)'));
  const executor = new Executor();
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor, undefined, undefined, undefined, async () => extended);
  const legacyCompat = { enabled: true };
  app.use(`${prefix}/.well-known/agent-card.json`, agentCardHandler({ agentCardProvider: handler, legacyCompat }));
  app.use(`${prefix}/rpc`, jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat }));
  app.use(`${prefix}/rest`, restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  return {
    port,
    prefix,
    rpcUrl: `${base}/rpc`,
    seen,
    abandoned,
    release: () => executor.releaseStream(),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
