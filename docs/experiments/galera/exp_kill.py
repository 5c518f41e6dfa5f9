# Does a KILL QUERY that lands on a TOI trigger DDL after it was replicated leave the nodes with
# different triggers? Node 1 runs CREATE OR REPLACE TRIGGER (large body, slow to parse on open)
# while writers keep every node busy; a second session kills it after a random delay. After each
# attempt: the DDL's result on node 1, and the trigger's body marker on every node.
import pymysql, threading, time, random, sys
SOCK = [f"/tmp/gx/n{i}/sock" for i in (1,2,3)]
def conn(i, db="k"):
    return pymysql.connect(unix_socket=SOCK[i], user="root", database=db, autocommit=True)
c = conn(0, None); cur = c.cursor()
cur.execute("DROP DATABASE IF EXISTS k"); cur.execute("CREATE DATABASE k"); cur.execute("USE k")
cur.execute("CREATE TABLE t (id INT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)")
cur.execute("CREATE TABLE s (g INT PRIMARY KEY, n BIGINT NOT NULL)")
cur.execute("INSERT INTO t SELECT seq, seq % 40, seq FROM seq_1_to_5000")
body = lambda m: "BEGIN DECLARE x INT DEFAULT %d;\n" % m + "".join(f"SET x = x + {i} * (NEW.v % 7);\n" for i in range(1500)) + "INSERT INTO s VALUES (NEW.g, 1) ON DUPLICATE KEY UPDATE n = n + 1;\nEND"
cur.execute("CREATE TRIGGER t_big AFTER INSERT ON t FOR EACH ROW " + body(0))
stop = False
def writer(node):
    cu = conn(node).cursor()
    while not stop:
        try: cu.execute(f"UPDATE t SET v = v + 1 WHERE id = {random.randint(1,5000)}")
        except Exception: pass
ths = [threading.Thread(target=writer, args=(i,)) for i in range(3) for _ in range(2)]
for t in ths: t.start()
ddl = conn(0); dcur = ddl.cursor(); dcur.execute("SELECT CONNECTION_ID()"); did = dcur.fetchone()[0]
killer = conn(0).cursor()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for k in range(1, N + 1):
    res = {}
    def run():
        t0 = time.time()
        try: dcur.execute("CREATE OR REPLACE TRIGGER t_big AFTER INSERT ON t FOR EACH ROW " + body(k)); res['r'] = 'ok'
        except Exception as e: res['r'] = str(e)[:90]
        res['ms'] = (time.time() - t0) * 1000
    th = threading.Thread(target=run); th.start()
    d = random.uniform(0.0, 0.06); time.sleep(d)
    state = None
    try:
        killer.execute(f"SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = {did}"); row = killer.fetchone(); state = row and row[0]
        killer.execute(f"KILL QUERY {did}")
    except Exception as e: state = f"kill failed {e}"
    th.join()
    time.sleep(0.5)
    marks = []
    for i in range(3):
        try:
            cu = conn(i).cursor(); cu.execute("SET SESSION wsrep_sync_wait = 1")
            cu.execute("SELECT SUBSTRING(ACTION_STATEMENT, 1, 40) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='k' AND TRIGGER_NAME='t_big'")
            r = cu.fetchone(); marks.append(r[0].split('DEFAULT ')[1].split(';')[0] if r else None)
        except Exception as e: marks.append(f"ERR {str(e)[:50]}")
    cu = conn(0).cursor(); cu.execute("SHOW STATUS LIKE 'wsrep_cluster_size'"); size = cu.fetchone()[1]
    print(f"{k}: delay {d*1000:.0f}ms state {state!r} -> {res['r']} ({res['ms']:.0f}ms); markers {marks}; cluster_size {size}", flush=True)
stop = True
for t in ths: t.join()
