#!/usr/bin/env bash
# Runs the image built from the Dockerfile the ways the README and the compose files do, and
# checks each answer with curl. Prints every command it runs (the README's container section is
# its transcript). Uses ports 3000, 15000, 15020, 15021 and 8443/8444 on this host: run it where
# they are free (this project's machines: inside a network namespace, see README).
#
#   IMAGE=localhost/agentgateway:local PODMAN="podman --runtime runc" deploy/container/smoke.sh
#
# 1. the guide's step 2 routes on the built-in mock provider (configs/step2-mock), as
#    docker-compose.mock.yaml runs it: both APIs, a stream, models, the admin UI behind its
#    token, metrics, readiness, the HEALTHCHECK, the user, a SIGTERM drain with exit code 0;
# 2. the same with a read-only root file system (the binary's files were unpacked at build);
# 3. the guide's step 2 config unchanged, with the provider hosts sent to TLS mock providers
#    (test/helpers/mock-upstream.ts) through --connect-to: keys injected, translation.
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${IMAGE:-localhost/agentgateway:local}
read -r -a podman <<<"${PODMAN:-podman}"
name=agw-smoke-$$
mocks_pid=

cleanup() {
  for c in "$name" "$name-ro" "$name-guide"; do "${podman[@]}" rm -f "$c" >/dev/null 2>&1 || true; done
  [ -z "$mocks_pid" ] || kill -- -"$mocks_pid" 2>/dev/null || true
}
trap cleanup EXIT

show() { printf '\n$ %s\n' "$*" >&2; }
step() { show "$@"; "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
# curl that prints the command and the answer, and fails on anything but the expected status.
check() { # expected-status, curl args...
  local want=$1 out status
  shift
  show curl "$@"
  out=$(curl -sS -m 10 -w '\n%{http_code}' "$@") || fail "curl $*"
  status=${out##*$'\n'}
  printf '%s\n' "${out%$'\n'*}" | { grep -v '^$' || true; } | cut -c1-300 | awk '{ l[NR] = $0 } END { for (i = 1; i <= NR; i++) if (NR <= 8 || i <= 3 || i > NR - 2) print l[i]; else if (i == 4) print "  ... (" NR - 5 " more lines)" }' >&2
  [ "$status" = "$want" ] || fail "expected $want, got $status: curl $*"
}
wait_ready() {
  for _ in $(seq 1 60); do
    curl -fsS -m 2 localhost:15021/healthz/ready >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  "${podman[@]}" logs "$1" >&2 || true
  fail "$1 not ready within 15 s"
}
json() { printf '{"model": "%s", "max_tokens": 50, "messages": [{"role": "user", "content": "Hello"}]%s}' "$1" "${2:-}"; }
stop_clean() { # container: SIGTERM, drain, exit code 0
  step "${podman[@]}" stop -t 20 "$1" >/dev/null
  local code
  code=$("${podman[@]}" inspect "$1" --format '{{.State.ExitCode}}')
  echo "exit code: $code" >&2
  [ "$code" = 0 ] || fail "$1 exited with $code"
  "${podman[@]}" logs "$1" 2>&1 | grep -q 'shutdown complete' || fail "$1 did not drain"
}

echo "== 1. step 2 routes on the built-in mock provider" >&2
step "${podman[@]}" run -d --name "$name" -p 3000:3000 -p 15000:15000 -p 15020:15020 -p 15021:15021 \
  -e ADMIN_ADDR=0.0.0.0:15000 -e ADMIN_TOKEN=smoke-admin-token \
  -v "$PWD/configs/step2-mock/agentgateway.yaml:/cfg/agentgateway.yaml:ro" "$image"
wait_ready "$name"
check 200 localhost:15021/healthz/ready
check 200 localhost:3000/openai/v1/chat/completions -H 'content-type: application/json' -d "$(json gpt-4o-mini)"
check 200 localhost:3000/anthropic/v1/messages -H 'content-type: application/json' -d "$(json claude-haiku-4-5-20251001)"
check 200 -N localhost:3000/anthropic/v1/chat/completions -H 'content-type: application/json' -d "$(json claude-haiku ', "stream": true')"
check 200 localhost:3000/openai/v1/models
check 401 localhost:15000/api/runtime
check 200 -H 'authorization: Bearer smoke-admin-token' localhost:15000/api/runtime -o /dev/null
check 200 localhost:15000/ui/
show curl -s localhost:15020/metrics '| grep agentgateway_requests_total'
curl -s localhost:15020/metrics | grep '^agentgateway_requests_total' >&2 || fail 'no request metrics'
step "${podman[@]}" healthcheck run "$name" && echo healthy >&2
step "${podman[@]}" exec "$name" id
step "${podman[@]}" inspect "$image" --format 'user={{.Config.User}} healthcheck={{.HealthCheck.Test}}'
stop_clean "$name"

echo "== 2. read-only root file system" >&2
step "${podman[@]}" run -d --read-only --name "$name-ro" -p 3000:3000 -p 15021:15021 \
  -v "$PWD/configs/step2-mock/agentgateway.yaml:/cfg/agentgateway.yaml:ro" "$image"
wait_ready "$name-ro"
check 200 localhost:3000/openai/v1/chat/completions -H 'content-type: application/json' -d "$(json gpt-4o)"
"${podman[@]}" logs "$name-ro" 2>&1 | grep 'native addon' | cut -c1-200 >&2
stop_clean "$name-ro"

echo "== 3. the guide's step 2 config, providers on TLS mocks via --connect-to" >&2
launcher=$(mktemp --suffix=.mts)
cat >"$launcher" <<EOF
import { MockUpstream } from '$PWD/test/helpers/mock-upstream.ts';
for (const [name, port] of [['openai', 8443], ['anthropic', 8444]] as const) {
  const m = await MockUpstream.start({ port });
  const answer = m.handler;
  m.handler = (req, res) => {
    console.error(\`  \${name} mock: \${req.method} \${req.path} host=\${req.headers.host} key=\${req.headers.authorization ?? req.headers['x-api-key']} model=\${req.json?.model}\`);
    return answer(req, res);
  };
}
console.error('  TLS mocks on 8443 (openai) and 8444 (anthropic)');
EOF
setsid npx tsx "$launcher" &
mocks_pid=$! # its own process group: npx's children go with it
sleep 2
step "${podman[@]}" run -d --name "$name-guide" --network host \
  -v "$PWD/configs/step2-multi-provider/agentgateway.yaml:/cfg/agentgateway.yaml:ro" \
  -v "$PWD/test/fixtures/tls/ca.pem:/cfg/mock-ca.pem:ro" -e NODE_EXTRA_CA_CERTS=/cfg/mock-ca.pem \
  -e OPENAI_API_KEY=sk-openai-smoke -e ANTHROPIC_API_KEY=sk-ant-smoke \
  "$image" -f /cfg/agentgateway.yaml \
  --connect-to api.openai.com:443:127.0.0.1:8443 --connect-to api.anthropic.com:443:127.0.0.1:8444
wait_ready "$name-guide"
check 200 localhost:3000/openai/v1/chat/completions -H 'content-type: application/json' -d "$(json gpt-4o-mini)"
check 200 localhost:3000/anthropic/v1/messages -H 'content-type: application/json' -d "$(json claude-haiku-4-5-20251001)"
check 200 localhost:3000/anthropic/v1/chat/completions -H 'content-type: application/json' -d "$(json claude-haiku)"
step "${podman[@]}" healthcheck run "$name-guide" && echo healthy >&2
stop_clean "$name-guide"
rm -f "$launcher"
echo "smoke: all checks passed" >&2
