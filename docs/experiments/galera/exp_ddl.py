# Application writers on every node while node 1 repeats CREATE OR REPLACE TRIGGER every 200 ms
# (never killed). The trigger writes a hot state row per group, so writers on different nodes
# conflict (BF aborts). Counts each node's writer errors by code; when a DDL fails on node 1, shows
# the trigger's body marker on every node. argv: seconds, wsrep_retry_autocommit (0/1), and
# any third argument: 30% of the writers' transactions have 2-4 statements (else all autocommit).
import pymysql, threading, time, random, sys, collections
SOCK = [f"/tmp/gx/n{i}/sock" for i in (1,2,3)]
def conn(i, db="d"):
    return pymysql.connect(unix_socket=SOCK[i], user="root", database=db, autocommit=True)
DUR = float(sys.argv[1]); RETRY = int(sys.argv[2]); TX = len(sys.argv) > 3; msgs = []; ddl_errs = collections.Counter()
c = conn(0, None); cur = c.cursor()
for i in range(3): conn(i, None).cursor().execute(f"SET GLOBAL wsrep_retry_autocommit = {RETRY}")
cur.execute("DROP DATABASE IF EXISTS d"); cur.execute("CREATE DATABASE d"); cur.execute("USE d")
cur.execute("CREATE TABLE t (id INT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)")
cur.execute("CREATE TABLE s (g INT PRIMARY KEY, n BIGINT NOT NULL)")
cur.execute("INSERT INTO t SELECT seq, seq % 10, seq FROM seq_1_to_5000")
body = lambda m: "BEGIN DECLARE x INT DEFAULT %d;\n" % m + "".join(f"SET x = x + {i} * (NEW.v % 7);\n" for i in range(800)) + "INSERT INTO s VALUES (NEW.g, 1) ON DUPLICATE KEY UPDATE n = n + 1;\nEND"
cur.execute("CREATE TRIGGER t_u AFTER UPDATE ON t FOR EACH ROW " + body(0))
stop = False
errs = [collections.Counter() for _ in range(3)]
def writer(node):
    cu = conn(node).cursor()
    while not stop:
        n = random.randint(2, 4) if TX and random.random() < 0.3 else 1
        try:
            if n > 1: cu.execute("START TRANSACTION")
            for _ in range(n): cu.execute(f"UPDATE t SET v = v + 1 WHERE id = {random.randint(1,5000)}")
            if n > 1: cu.execute("COMMIT")
            errs[node]['ok'] += 1
        except pymysql.err.MySQLError as e:
            errs[node][e.args[0]] += 1
            if e.args[0] == 1064: msgs.append(str(e)[:100])
            try: cu.execute("ROLLBACK")
            except Exception: pass
ths = [threading.Thread(target=writer, args=(i,)) for i in range(3) for _ in range(2)]
for t in ths: t.start()
d = conn(0).cursor(); k = 0; t0 = time.time()
while time.time() - t0 < DUR:
    k += 1
    try: d.execute("CREATE OR REPLACE TRIGGER t_u AFTER UPDATE ON t FOR EACH ROW " + body(k))
    except pymysql.err.MySQLError as e:
        ddl_errs[e.args[0]] += 1
        time.sleep(1)
        marks = []
        for i in range(3):
            cu = conn(i).cursor(); cu.execute("SET SESSION wsrep_sync_wait = 1")
            cu.execute("SELECT SUBSTRING(ACTION_STATEMENT, 1, 40) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='d' AND TRIGGER_NAME='t_u'")
            r = cu.fetchone(); marks.append(r[0].split('DEFAULT ')[1].split(';')[0] if r else None)
        cu = conn(0).cursor(); cu.execute("SHOW STATUS LIKE 'wsrep_cluster_size'")
        print(f"DDL {k} failed on node 1: {str(e)[:110]}; trigger marker per node {marks}; cluster_size {cu.fetchone()[1]}", flush=True)
    time.sleep(0.2)
stop = True
for t in ths: t.join()
print(msgs[:3]); print(f"tx={TX} retry_autocommit={RETRY}: {k} trigger DDL, failed:", dict(ddl_errs), "; writers per node:", [dict(e) for e in errs])
