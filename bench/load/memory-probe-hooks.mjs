// The resolve hook of memory-probe.mjs: runs on the loader thread, posts every resolved URL.
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port?.postMessage(r.url);
  return r;
}
