#!/usr/bin/env bash
# The demo: install dependencies, build, then simulate the example prospecting sequence (three
# emails, waits, a branch on the lead's segment) for 50 sample leads over 14 days on a virtual
# clock, against the SendGrid sandbox emulator on 127.0.0.1; then the server (scripts/demo-server.sh):
# a lead by signed webhook, and the lead's reply by provider callback stopping the sequence.
# No credentials, no network beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
echo
build/bin/relance simulate workflows/prospecting.yaml \
  --input workflows/data/leads.csv --days 14 --start 2026-01-05T09:00:00Z "$@"
echo
scripts/demo-server.sh
