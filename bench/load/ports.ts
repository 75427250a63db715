// Ports of a benchmark run, overridable so a run can stay inside a port range that a shared
// machine hands out (gateway.yaml reads the same variables).
export const MOCK_PORT = Number(process.env.BENCH_MOCK_PORT || 18000);
export const GATEWAY_PORT = Number(process.env.BENCH_GATEWAY_PORT || 18080);
/** The gateway's stats listener in lanes that measure metrics (4 above the gateway by default). */
export const STATS_PORT = Number(process.env.BENCH_STATS_PORT || GATEWAY_PORT + 4);
/** The OTLP sink the tracing variants export to. */
export const OTLP_SINK_PORT = Number(process.env.BENCH_OTLP_PORT || GATEWAY_PORT + 5);
