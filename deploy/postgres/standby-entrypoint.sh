#!/bin/bash
# The standby: on first start a copy of the primary (pg_basebackup, which writes
# standby.signal and primary_conninfo with -R), then PostgreSQL streaming from it.
# application_name=standby is what the primary's synchronous_standby_names waits for.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -U replicator -q; do sleep 1; done
  export PGPASSWORD=$REPLICATION_PASSWORD
  pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" \
    --wal-method=stream --write-recovery-conf --checkpoint=fast
  # Named, so that the primary's synchronous_standby_names finds it (the last line wins).
  echo "primary_conninfo = 'host=$PRIMARY_HOST user=replicator password=$REPLICATION_PASSWORD application_name=standby'" \
    >> "$PGDATA/postgresql.auto.conf"
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
