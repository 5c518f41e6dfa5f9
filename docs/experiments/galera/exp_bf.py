# Can a Galera BF abort (an applier's write set meeting a local transaction's row locks) cut the
# parse of a table's stored triggers and leave a poisoned TABLE instance (error 1064) on the node?
# Node 1: writers whose transactions first update one of 20 hot rows of u, then a row of t (large
# trigger, slow to parse), so that the statement on t opens t while holding a row lock. Nodes 2, 3:
# writers on the same hot rows of u (their write sets BF-abort node 1's transactions). A loop on node 1
# runs FLUSH LOCAL TABLES t (not replicated) so that statements keep re-opening t and re-parsing.
# Counts node 1's errors by code: when the flushing stops (after DUR s, argv[1]) and 8 s later with
# the writers still running; then whether 12 concurrent fresh sessions, before and after a
# FLUSH LOCAL TABLES t, still meet a poisoned instance (1064).
import pymysql, threading, time, random, sys, collections
SOCK = [f"/tmp/gx/n{i}/sock" for i in (1,2,3)]
def conn(i, db="b"):
    return pymysql.connect(unix_socket=SOCK[i], user="root", database=db, autocommit=True)
c = conn(0, None); cur = c.cursor()
cur.execute("DROP DATABASE IF EXISTS b"); cur.execute("CREATE DATABASE b"); cur.execute("USE b")
cur.execute("CREATE TABLE t (id INT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)")
cur.execute("CREATE TABLE u (id INT PRIMARY KEY, v INT NOT NULL)")
cur.execute("CREATE TABLE s (g INT PRIMARY KEY, n BIGINT NOT NULL)")
cur.execute("INSERT INTO t SELECT seq, seq % 40, seq FROM seq_1_to_2000")
cur.execute("INSERT INTO u SELECT seq, seq FROM seq_1_to_20")
body = "BEGIN DECLARE x INT DEFAULT 0;\n" + "".join(f"SET x = x + {i} * (NEW.v % 7);\n" for i in range(1500)) + "INSERT INTO s VALUES (NEW.g, 1) ON DUPLICATE KEY UPDATE n = n + 1;\nEND"
cur.execute("CREATE TRIGGER t_big AFTER UPDATE ON t FOR EACH ROW " + body)
fstop = False
DUR = float(sys.argv[1]) if len(sys.argv) > 1 else 30
stop = False
errs = collections.Counter(); msgs = {}
def local_writer():
    cu = conn(0).cursor()
    while not stop:
        try:
            cu.execute("START TRANSACTION")
            cu.execute(f"UPDATE u SET v = v + 1 WHERE id = {random.randint(1,20)}")   # row lock first
            time.sleep(0.002)
            cu.execute(f"UPDATE t SET v = v + 1 WHERE id = {random.randint(1,2000)}")  # opens t (parse)
            cu.execute("COMMIT"); errs['ok'] += 1
        except pymysql.err.MySQLError as e:
            errs[e.args[0]] += 1; msgs.setdefault(e.args[0], str(e)[:120])
            try: cu.execute("ROLLBACK")
            except Exception: pass
def remote_writer(node):
    cu = conn(node).cursor()
    while not stop:
        try: cu.execute(f"UPDATE u SET v = v + 1 WHERE id = {random.randint(1,20)}")
        except Exception: pass
def flusher():
    cu = conn(0).cursor()
    while not stop and not fstop:
        try: cu.execute("FLUSH LOCAL TABLES t")
        except Exception as e: errs['flush ' + str(e.args[0])] += 1
        time.sleep(0.05)
ths = [threading.Thread(target=local_writer) for _ in range(6)] + [threading.Thread(target=remote_writer, args=(n,)) for n in (1, 2) for _ in range(2)] + [threading.Thread(target=flusher)]
for t in ths: t.start()
fstop = False
time.sleep(DUR)
before = dict(errs); fstop = True
time.sleep(8); stop = True
for t in ths: t.join()
print("at the last flush:", before)
cu = conn(0).cursor(); cu.execute("SHOW GLOBAL STATUS LIKE 'wsrep_local_bf_aborts'"); print("bf_aborts", cu.fetchone()[1])
print("node 1 outcomes:", dict(errs)); print({k: v for k, v in msgs.items()})
after = collections.Counter()
def holder(i):
    cu = conn(0).cursor()
    for r in range(5):
        try:
            cu.execute("START TRANSACTION"); cu.execute(f"UPDATE t SET v = v + 1 WHERE id = {i * 10 + r + 1}"); time.sleep(0.3); cu.execute("COMMIT"); after['ok'] += 1
        except pymysql.err.MySQLError as e:
            after[e.args[0]] += 1
            try: cu.execute("ROLLBACK")
            except Exception: pass
hs = [threading.Thread(target=holder, args=(i,)) for i in range(12)]
for h in hs: h.start()
for h in hs: h.join()
print("afterwards, no conflicts, 12 concurrent fresh sessions x 5 statements:", dict(after))
cu = conn(0).cursor(); cu.execute("FLUSH LOCAL TABLES t")
after.clear()
hs = [threading.Thread(target=holder, args=(i,)) for i in range(12)]
for h in hs: h.start()
for h in hs: h.join()
print("after FLUSH LOCAL TABLES t:", dict(after))
