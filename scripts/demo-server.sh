#!/usr/bin/env bash
# The server demo: `relance serve` on 127.0.0.1 with the SendGrid sandbox emulator. A web form's
# backend posts a signed lead to a webhook trigger (workflows/web-form.yaml); the run is
# committed before the 202; the worker sends the intro; the emulator then delivers the lead's
# reply to the server by Inbound Parse, and the reply stops the sequence before its follow-up.
# No credentials, no network beyond 127.0.0.1. Called by scripts/demo.sh after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RELANCE_BIN:-build/bin/relance}
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port: the emulator must know the server's address before it starts.
port=18080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
url="http://127.0.0.1:$port"
export RELANCE_SECRET_HOOK_WEB_FORM=demo-form-secret
relance() { "$bin" --db "$work/demo.db" "$@"; }

echo "== relance serve: a lead by webhook, a reply by provider callback =="
echo "\$ relance deploy workflows/web-form.yaml"
relance deploy workflows/web-form.yaml
callbacks='{"callback_url":"'$url'/v1/inbound/sendgrid/default",'
callbacks+='"auto_events":[{"to":"ana@*","event":"reply","delay_ms":1500}]}'
relance serve --listen "127.0.0.1:$port" --sandbox-config "sendgrid=$callbacks" \
  >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$url/readyz" >/dev/null || { cat "$work/serve.log"; exit 1; }
echo "\$ relance serve --listen 127.0.0.1:$port   (worker inside; access log in the server's stderr)"

body='{"email":"ana@acme.test","first_name":"Ana","form_id":"f-1001"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$RELANCE_SECRET_HOOK_WEB_FORM" -r | cut -d' ' -f1)
post() {
  curl -s -w ' -> HTTP %{http_code}\n' -X POST "$url/v1/hooks/web-form" \
    -H 'Content-Type: application/json' -H "X-Signature: sha256=$sig" -d "$body"
}
echo
echo "\$ curl -X POST $url/v1/hooks/web-form -H 'X-Signature: sha256=...' -d '$body'"
answer=$(post)
echo "$answer"
run=$(printf '%s' "$answer" | sed -n 's/.*"run_id":"\([^"]*\)".*/\1/p')
echo "the form's backend retries the same submission:"
post
echo "a forged post (wrong signature):"
curl -s -w ' -> HTTP %{http_code}\n' -X POST "$url/v1/hooks/web-form" \
  -H 'Content-Type: application/json' -H "X-Signature: sha256=$(printf '0%.0s' $(seq 64))" \
  -d '{"email":"mallory@evil.test","form_id":"x"}'

echo
echo "the worker sends the intro; 1.5 s later the emulator posts Ana's reply to"
echo "$url/v1/inbound/sendgrid/default (Inbound Parse), which stops her run:"
for _ in $(seq 100); do
  relance runs show "$run" 2>/dev/null | grep -q "status: exited" && break
  sleep 0.2
done
echo "\$ relance runs show $run"
relance runs show "$run"
kill -TERM "$server"
wait "$server" || true
server=
echo
echo "server log (access lines):"
grep -E '/v1/(hooks|inbound)' "$work/serve.log" | head -8 || true
