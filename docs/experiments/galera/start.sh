#!/bin/bash
# start a 3-node galera cluster on loopback: ports 24001..3 (sql), 24101.. gcomm, 24201.. ist, 24301.. sst
# (session-10 experiments of docs/correctness.md, "Galera"; stop it with: kill $(cat /tmp/gx/n*/pid))
set -e
P=/usr/lib/galera/libgalera_smm.so
for i in 1 2 3; do
  d=/tmp/gx/n$i; rm -rf $d; mkdir -p $d/tmp; chmod 755 /tmp/gx
  mariadb-install-db --no-defaults --datadir=$d/data --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve --user=root >/dev/null 2>&1; chmod -R a+rwX $d
done
for i in 1 2 3; do
  d=/tmp/gx/n$i
  if [ $i = 1 ]; then addr=gcomm://; else addr=gcomm://127.0.0.1:24101; fi
  mariadbd --no-defaults --datadir=$d/data --socket=$d/sock --port=2400$i --bind-address=127.0.0.1 --pid-file=$d/pid --log-error=$d/err --tmpdir=$d/tmp --user=root \
   --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --max-connections=500 --skip-name-resolve --server-id=1 --log-bin=binlog \
   --wsrep-on=ON --wsrep-provider=$P --wsrep-cluster-address=$addr --wsrep-cluster-name=gx --wsrep-node-name=node$i --wsrep-node-address=127.0.0.1 \
   --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:2410$i;ist.recv_addr=127.0.0.1:2420$i;gcache.size=32M" \
   --wsrep-sst-receive-address=127.0.0.1:2430$i --wsrep-sst-method=rsync --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB &
  for k in $(seq 1 120); do
    if mariadb -S $d/sock -uroot -e "show status like 'wsrep_ready'" 2>/dev/null | grep -q ON; then break; fi; sleep 1
  done
  echo node$i ready
done
