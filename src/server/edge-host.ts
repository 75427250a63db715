// What both edges (uWS and the Node http server) need from the bind they serve.
import type { HttpEdgeSettings } from '../config/http-edge.js';
import type { GatewayError } from '../errors.js';
import type { Downstream } from '../pipeline/downstream.js';
import type { EdgeExchange, ExchangeHooks } from './edge-exchange.js';
import type { Refusal } from './request-gate.js';

export interface RequestSink {
  /** Largest request body accepted now (from the current snapshot). */
  maxBodyBytes(): number;
  /** Head limits, edge timeouts and TRACE, from the current snapshot. */
  edgeSettings(): HttpEdgeSettings;
  /** Runs the pipeline for a request whose body has been read. */
  handle(port: number, down: Downstream): void;
  /** Answers a request the server refuses before the pipeline, in the caller's dialect, observed like any other. */
  reject(port: number, down: Downstream, err: GatewayError): void;
  /** Whether requests are recorded with their client address once done (access log, tracing). */
  recordsRemoteAddress(): boolean;
}

/** A Downstream the edge can ask to close its connection after the response. */
export interface Refusable extends Downstream {
  closeAfter: boolean;
}

export interface EdgeHost extends ExchangeHooks {
  readonly sink: RequestSink;
  /** A request started on this bind (counted until `done`). */
  started(): void;
  /** Answers a refused request (and logs it). */
  refuse(x: Refusable, r: Refusal): void;
  /** A request body stopped arriving for `limitMs`: a 408 if nothing was answered yet. */
  bodyTimedOut(x: EdgeExchange, limitMs: number): void;
}
