#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use answers; starts it if it does not, and
# fails loudly if it still does not. Tests never silently skip PostgreSQL.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! ready; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "PostgreSQL is still not reachable on 127.0.0.1:5432: the database tests cannot run" >&2; exit 1; }
