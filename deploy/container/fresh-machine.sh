#!/usr/bin/env bash
# The README's claim "npm install && npm start, then npm test, on a fresh Debian machine with only
# Node 20", checked in a container: debian:bookworm-slim (deploy/container/local-base-images.sh)
# with this machine's Node 20 and npm mounted in, a clean clone at /src, run as root. Run it with
# deploy/container/fresh-machine-run.sh, which makes the clone and starts the container.
set -uo pipefail
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
ln -sf /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
echo "== machine"; cat /etc/debian_version; node --version; npm --version
for c in chromium redis-server cargo git curl strip; do printf '%s: ' "$c"; command -v "$c" || echo absent; done
cp -a /src /work && cd /work
echo "== npm install"
time npm install --no-audit --no-fund --foreground-scripts > /tmp/install.log 2>&1
status=$?
grep -E "re2|Trying|Writing|added" /tmp/install.log | head -8
if [ "$status" != 0 ]; then tail -40 /tmp/install.log; echo "npm install failed ($status)"; exit 1; fi
echo "== npm start"; setsid npm start > /tmp/start.log 2>&1 & start_pid=$!
for _ in $(seq 60); do grep -q "ready" /tmp/start.log && break; sleep 1; done
node -e "fetch('http://127.0.0.1:3000/mock/v1/chat/completions',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({model:'any',messages:[{role:'user',content:'Hello'}]})}).then(r=>r.json()).then(j=>console.log('npm start answers:', j.choices[0].message.content))"
grep -E "ready|native" /tmp/start.log | cut -c1-200
kill -TERM -- -"$start_pid"; sleep 1
# Full logs go to /logs when the runner mounts it; the failures and the totals are printed here.
logs=/logs; [ -d "$logs" ] || logs=/tmp
summary() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E "^ FAIL|^ +(Test Files|Tests|Duration) " | sort -u; }
echo "== npm test"; time npm test > "$logs/test.log" 2>&1; summary "$logs/test.log"
echo "== AGW_NATIVE=0 npm test -- test/e2e"; time AGW_NATIVE=0 npm test -- test/e2e > "$logs/test-native-off.log" 2>&1; summary "$logs/test-native-off.log"
for c in chromium redis-server; do printf '%s after: ' "$c"; command -v "$c" || echo absent; done
