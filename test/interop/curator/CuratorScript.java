/*
 * Drives Apache Curator 5 (Debian's libcurator-recipes-java), unchanged, against one server
 * that speaks the ZooKeeper protocol:
 *
 *   java -cp CLASSPATH CuratorScript HOST:PORT GROUP     (GROUP: basics, recipes or session)
 *
 * Each step of the group runs on its own thread with a time limit, asserts inline (values read
 * back, expected exceptions, the order of watch and cache events) and prints `OK GROUP.STEP`,
 * or `FAIL GROUP.STEP: EXCEPTION` with the stack on stderr; the exit code is 0 only when every
 * step passed. `INFO` lines are observations for whoever reads a failure. The server must allow
 * TTL nodes (extendedTypesEnabled) and check for containers to reap about every second.
 * test/interop/curator.test.ts compiles this file with javac and asserts the OK lines.
 */
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.PathChildrenCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.SharedCountListener;
import org.apache.curator.framework.recipes.shared.SharedCountReader;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

public final class CuratorScript {
  private static final int SESSION_TIMEOUT_MS = 10_000;
  private static final int SHORT_SESSION_TIMEOUT_MS = 4_000;
  private static final long STEP_TIMEOUT_S = 40;
  private static final long WAIT_S = 15;
  /** How long to wait to be sure an event does not come. */
  private static final long QUIET_MS = 300;

  private static String connectString;

  interface Step {
    void run() throws Exception;
  }

  interface Check {
    boolean holds() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: CuratorScript HOST:PORT basics|recipes|session");
      System.exit(2);
    }
    connectString = args[0];
    Map<String, Step> steps = new LinkedHashMap<>();
    switch (args[1]) {
      case "basics" -> {
        steps.put("create-modes", CuratorScript::createModes);
        steps.put("reaping", CuratorScript::reaping);
        steps.put("read-write", CuratorScript::readWrite);
        steps.put("transactions", CuratorScript::transactions);
        steps.put("watches", CuratorScript::watches);
        steps.put("persistent-watches", CuratorScript::persistentWatches);
        steps.put("digest-auth", CuratorScript::digestAuth);
      }
      case "recipes" -> {
        steps.put("mutex", CuratorScript::mutex);
        steps.put("semaphore", CuratorScript::semaphore);
        steps.put("leader-latch", CuratorScript::leaderLatch);
        steps.put("simple-queue", CuratorScript::simpleQueue);
        steps.put("distributed-queue", CuratorScript::distributedQueue);
        steps.put("atomic-long", CuratorScript::atomicLong);
        steps.put("curator-cache", CuratorScript::curatorCache);
        steps.put("path-children-cache", CuratorScript::pathChildrenCache);
        steps.put("persistent-node", CuratorScript::persistentNode);
        steps.put("shared-count", CuratorScript::sharedCount);
      }
      case "session" -> {
        steps.put("reconnect", CuratorScript::reconnect);
        steps.put("expiry", CuratorScript::expiry);
        steps.put("expiry-told-by-server", CuratorScript::expiryToldByServer);
        steps.put("close", CuratorScript::closeSession);
      }
      default -> {
        System.err.println("unknown group " + args[1]);
        System.exit(2);
      }
    }
    // Start from an empty subtree, so that a rerun against the same server sees what a fresh
    // server would (sequence numbers come from the parents' cversions). The steps' digest
    // credentials let it read the nodes they protect.
    try (CuratorFramework c = client(connectString, SESSION_TIMEOUT_MS,
        builder -> builder.authorization("digest", bytes("curator:secret")))) {
      c.delete().quietly().deletingChildrenIfNeeded().forPath("/curator-" + args[1]);
    }
    int failures = 0;
    for (Map.Entry<String, Step> step : steps.entrySet()) {
      if (!runStep(args[1] + "." + step.getKey(), step.getValue())) failures++;
    }
    System.out.flush();
    System.exit(failures == 0 ? 0 : 1);
  }

  /** Runs one step on its own thread; prints OK, or FAIL and a stack (every thread's if hung). */
  private static boolean runStep(String name, Step step) {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "step " + name);
      thread.setDaemon(true);
      return thread;
    });
    long startNs = System.nanoTime();
    Future<?> future = executor.submit(() -> {
      step.run();
      return null;
    });
    try {
      future.get(STEP_TIMEOUT_S, TimeUnit.SECONDS);
      long ms = (System.nanoTime() - startNs) / 1_000_000;
      System.out.println("INFO " + name + " took " + ms + " ms");
      System.out.println("OK " + name);
      return true;
    } catch (TimeoutException timeout) {
      System.out.println("FAIL " + name + ": timed out after " + STEP_TIMEOUT_S + " s");
      System.err.println("FAIL " + name + ": timed out; threads:");
      dumpThreads();
      future.cancel(true);
      return false;
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.out.println("FAIL " + name + ": " + cause);
      System.err.println("FAIL " + name + ":");
      cause.printStackTrace();
      return false;
    } finally {
      executor.shutdownNow();
      System.out.flush();
    }
  }

  private static void dumpThreads() {
    for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
      System.err.println("  thread " + entry.getKey().getName());
      for (StackTraceElement frame : entry.getValue()) System.err.println("    at " + frame);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static CuratorFramework client() throws InterruptedException {
    return client(connectString, SESSION_TIMEOUT_MS);
  }

  private static CuratorFramework client(String hosts, int sessionTimeoutMs)
      throws InterruptedException {
    return client(hosts, sessionTimeoutMs, builder -> builder);
  }

  private static CuratorFramework client(String hosts, int sessionTimeoutMs,
      UnaryOperator<CuratorFrameworkFactory.Builder> customize) throws InterruptedException {
    CuratorFramework client = customize.apply(CuratorFrameworkFactory.builder()
        .connectString(hosts)
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(Math.min(sessionTimeoutMs, 10_000))
        .retryPolicy(new ExponentialBackoffRetry(100, 10, 1_000)))
        .build();
    client.start();
    if (!client.blockUntilConnected((int) WAIT_S, TimeUnit.SECONDS)) {
      client.close();
      throw new AssertionError("could not connect to " + hosts);
    }
    return client;
  }

  private static long sessionId(CuratorFramework client) throws Exception {
    return client.getZookeeperClient().getZooKeeper().getSessionId();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] data) {
    return data == null ? null : new String(data, StandardCharsets.UTF_8);
  }

  private static void check(boolean condition, String what) {
    if (!condition) throw new AssertionError(what);
  }

  private static void eq(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
    }
  }

  private static <E extends Exception> E expect(Class<E> kind, Step step) throws Exception {
    try {
      step.run();
    } catch (Exception e) {
      if (kind.isInstance(e)) return kind.cast(e);
      throw new AssertionError("expected " + kind.getSimpleName() + " but got " + e, e);
    }
    throw new AssertionError("expected " + kind.getSimpleName() + " but nothing was thrown");
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  private static <T> T next(BlockingQueue<T> queue, String what) throws InterruptedException {
    T item = queue.poll(WAIT_S, TimeUnit.SECONDS);
    if (item == null) throw new AssertionError("timed out waiting for " + what);
    return item;
  }

  private static <T> void quiet(BlockingQueue<T> queue, String what) throws InterruptedException {
    T item = queue.poll(QUIET_MS, TimeUnit.MILLISECONDS);
    if (item != null) throw new AssertionError("unexpected " + what + ": " + item);
  }

  /** A watcher that queues "TYPE PATH" for every node event (not connection-state events). */
  private static Watcher recorder(BlockingQueue<String> events) {
    return event -> {
      if (event.getType() != Watcher.Event.EventType.None) {
        events.add(event.getType() + " " + event.getPath());
      }
    };
  }

  /** Runs `body(i)` on `count` threads and rethrows the first failure. */
  interface Worker {
    void run(int index) throws Exception;
  }

  private static void parallel(int count, Worker body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(pool.submit(() -> {
          body.run(index);
          return null;
        }));
      }
      for (Future<?> future : futures) future.get(STEP_TIMEOUT_S, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void closeAll(List<? extends Closeable> items) throws IOException {
    for (Closeable item : items) item.close();
  }

  // ---- basics -------------------------------------------------------------------------------

  private static void createModes() throws Exception {
    String root = "/curator-basics/modes";
    try (CuratorFramework c = client()) {
      String deep = c.create().creatingParentsIfNeeded().forPath(root + "/deep/a/b", bytes("b"));
      eq(root + "/deep/a/b", deep, "creatingParentsIfNeeded path");
      eq("", text(c.getData().forPath(root + "/deep/a")), "a parent's data");
      eq("b", text(c.getData().forPath(deep)), "leaf data");
      // storingStatIn sends create2 and returns the new node's stat.
      Stat eph = new Stat();
      c.create().storingStatIn(eph).withMode(CreateMode.EPHEMERAL)
          .forPath(root + "/eph", bytes("e"));
      eq(sessionId(c), eph.getEphemeralOwner(), "ephemeral owner in create2's stat");
      eq(1, eph.getDataLength(), "create2 stat dataLength");
      eq(eph.getCzxid(), eph.getMzxid(), "create2 stat mzxid");
      String seq1 = c.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(root + "/seq-");
      String seq2 = c.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(root + "/seq-");
      check(seq1.matches(Pattern.quote(root) + "/seq-\\d{10}"), "sequential name " + seq1);
      eq(seqNumber(seq1) + 1, seqNumber(seq2), "consecutive sequence numbers");
      String eseq = c.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(root + "/eseq-");
      eq(seqNumber(seq2) + 1, seqNumber(eseq), "ephemeral sequential number");
      String prot = c.create().withProtection().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
          .forPath(root + "/p-");
      check(prot.matches(Pattern.quote(root) + "/_c_[0-9a-f-]{36}-p-\\d{10}"), "protected " + prot);
      c.create().withMode(CreateMode.CONTAINER).forPath(root + "/box");
      eq(0L, c.checkExists().forPath(root + "/box").getEphemeralOwner(), "container's owner");
      Stat ttl = new Stat();
      c.create().withTtl(60_000).storingStatIn(ttl).withMode(CreateMode.PERSISTENT_WITH_TTL)
          .forPath(root + "/ttl", bytes("t"));
      eq(0L, ttl.getEphemeralOwner(), "TTL node's owner in create2's stat");
      eq(0L, c.checkExists().forPath(root + "/ttl").getEphemeralOwner(), "TTL node's owner");
      String ttlSeq = c.create().withTtl(60_000).withMode(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
          .forPath(root + "/ttlseq-");
      eq(seqNumber(prot) + 3, seqNumber(ttlSeq), "TTL sequential number");
      String nested = c.create().creatingParentContainersIfNeeded()
          .forPath(root + "/containers/x/leaf", bytes("l"));
      eq(root + "/containers/x/leaf", nested, "creatingParentContainersIfNeeded path");
      List<String> children = new ArrayList<>(c.getChildren().forPath(root));
      Collections.sort(children);
      List<String> expected = new ArrayList<>(List.of("box", "containers", "deep", "eph",
          last(eseq), last(prot), last(seq1), last(seq2), "ttl", last(ttlSeq)));
      Collections.sort(expected);
      eq(expected, children, "children");
      System.out.println("INFO create-modes created " + seq1 + " " + eseq + " " + ttlSeq);
    }
  }

  private static long seqNumber(String path) {
    return Long.parseLong(path.substring(path.length() - 10));
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Needs the server's container/TTL check to run about every second. */
  private static void reaping() throws Exception {
    String root = "/curator-basics/reap";
    try (CuratorFramework c = client()) {
      c.create().creatingParentsIfNeeded().forPath(root);
      c.create().withMode(CreateMode.CONTAINER).forPath(root + "/box");
      c.create().forPath(root + "/box/item");
      c.create().withMode(CreateMode.CONTAINER).forPath(root + "/never-used");
      c.create().withTtl(500).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath(root + "/short");
      c.create().withTtl(60_000).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath(root + "/long");
      c.create().withTtl(500).withMode(CreateMode.PERSISTENT_WITH_TTL).forPath(root + "/parent");
      c.create().forPath(root + "/parent/child");
      c.create().creatingParentContainersIfNeeded().forPath(root + "/chain/x/leaf");
      c.delete().forPath(root + "/box/item");
      c.delete().forPath(root + "/chain/x/leaf");
      await("the emptied container to be reaped",
          () -> c.checkExists().forPath(root + "/box") == null);
      await("the expired TTL node to be reaped",
          () -> c.checkExists().forPath(root + "/short") == null);
      await("a chain of parent containers to be reaped",
          () -> c.checkExists().forPath(root + "/chain") == null);
      check(c.checkExists().forPath(root + "/never-used") != null, "a never-used container stays");
      check(c.checkExists().forPath(root + "/long") != null, "an unexpired TTL node stays");
      check(c.checkExists().forPath(root + "/parent") != null, "a TTL node with children stays");
    }
  }

  private static void readWrite() throws Exception {
    String root = "/curator-basics/rw";
    try (CuratorFramework c = client()) {
      c.create().creatingParentsIfNeeded().forPath(root + "/n", bytes("v0"));
      Stat stat = new Stat();
      eq("v0", text(c.getData().storingStatIn(stat).forPath(root + "/n")), "data");
      eq(0, stat.getVersion(), "version");
      eq(2, stat.getDataLength(), "dataLength");
      eq(1, c.setData().withVersion(0).forPath(root + "/n", bytes("v1")).getVersion(), "set v1");
      expect(KeeperException.BadVersionException.class,
          () -> c.setData().withVersion(0).forPath(root + "/n", bytes("stale")));
      eq(2, c.setData().forPath(root + "/n", bytes("v2")).getVersion(), "unconditional set");
      eq(null, c.checkExists().forPath(root + "/missing"), "checkExists of a missing node");
      eq(2, c.checkExists().forPath(root + "/n").getVersion(), "checkExists version");
      expect(KeeperException.NoNodeException.class, () -> c.getData().forPath(root + "/missing"));
      expect(KeeperException.NoNodeException.class,
          () -> c.setData().forPath(root + "/missing", bytes("x")));
      expect(KeeperException.NodeExistsException.class, () -> c.create().forPath(root + "/n"));
      expect(KeeperException.NoNodeException.class, () -> c.create().forPath(root + "/no/parent"));
      c.create().orSetData().forPath(root + "/n", bytes("v3"));
      eq("v3", text(c.getData().forPath(root + "/n")), "create().orSetData()");
      c.create().forPath(root + "/kids");
      for (String kid : List.of("c", "a", "b")) c.create().forPath(root + "/kids/" + kid);
      List<String> kids =
          new ArrayList<>(c.getChildren().storingStatIn(stat).forPath(root + "/kids"));
      Collections.sort(kids);
      eq(List.of("a", "b", "c"), kids, "getChildren");
      eq(3, stat.getNumChildren(), "numChildren");
      eq(3, stat.getCversion(), "cversion");
      expect(KeeperException.NotEmptyException.class, () -> c.delete().forPath(root + "/kids"));
      expect(KeeperException.BadVersionException.class,
          () -> c.delete().withVersion(7).forPath(root + "/n"));
      c.delete().withVersion(3).forPath(root + "/n");
      eq(null, c.checkExists().forPath(root + "/n"), "deleted with version");
      c.delete().quietly().forPath(root + "/missing");
      for (String path : List.of("/tree/x/y/z", "/tree/x/w", "/tree/v")) {
        c.create().creatingParentsIfNeeded().forPath(root + path);
      }
      c.delete().deletingChildrenIfNeeded().forPath(root + "/tree");
      eq(null, c.checkExists().forPath(root + "/tree"), "deletingChildrenIfNeeded");
      c.delete().guaranteed().deletingChildrenIfNeeded().forPath(root + "/kids");
      eq(List.of(), c.getChildren().forPath(root), "all gone");
      List<ACL> readAdmin =
          List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.ADMIN, ZooDefs.Ids.ANYONE_ID_UNSAFE));
      c.create().withACL(readAdmin).forPath(root + "/ro", bytes("r"));
      eq(readAdmin, c.getACL().forPath(root + "/ro"), "getACL");
      expect(KeeperException.NoAuthException.class,
          () -> c.setData().forPath(root + "/ro", bytes("w")));
      c.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(root + "/ro");
      c.setData().forPath(root + "/ro", bytes("w"));
      BlockingQueue<String> results = new LinkedBlockingQueue<>();
      c.sync().inBackground((client, event) -> results.add(describe(event))).forPath(root);
      eq("SYNC 0 " + root, next(results, "sync callback"), "background sync");
      c.getData().inBackground((client, event) -> results.add(describe(event) + " "
          + text(event.getData()))).forPath(root + "/ro");
      eq("GET_DATA 0 " + root + "/ro w", next(results, "getData callback"), "background getData");
      c.create().inBackground((client, event) -> results.add(describe(event)))
          .forPath(root + "/ro");
      eq("CREATE -110 " + root + "/ro", next(results, "create callback"), "background error");
      CuratorFramework ns = c.usingNamespace("curator-basics/ns");
      ns.create().creatingParentsIfNeeded().forPath("/x/y", bytes("nsy"));
      eq("nsy", text(c.getData().forPath("/curator-basics/ns/x/y")), "namespaced create");
      eq(List.of("x"), ns.getChildren().forPath("/"), "namespaced getChildren");
    }
  }

  private static String describe(CuratorEvent event) {
    return event.getType() + " " + event.getResultCode() + " " + event.getPath();
  }

  private static void transactions() throws Exception {
    String root = "/curator-basics/txn";
    try (CuratorFramework c = client()) {
      c.create().creatingParentsIfNeeded().forPath(root + "/existing", bytes("e"));
      c.create().forPath(root + "/gone");
      TransactionOp op = c.transactionOp();
      List<CuratorTransactionResult> results = c.transaction().forOperations(
          op.create().forPath(root + "/new", bytes("n")),
          op.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(root + "/seq-"),
          op.setData().withVersion(0).forPath(root + "/existing", bytes("e1")),
          op.check().withVersion(1).forPath(root + "/existing"),
          op.delete().forPath(root + "/gone"));
      List<String> summary = new ArrayList<>();
      for (CuratorTransactionResult r : results) {
        String path = r.getType() == OperationType.CREATE ? r.getResultPath() : r.getForPath();
        summary.add(r.getType() + " " + path + " " + r.getError());
      }
      eq(List.of(
          "CREATE " + root + "/new 0",
          "CREATE " + root + "/seq-0000000003 0",
          "SET_DATA " + root + "/existing 0",
          "CHECK " + root + "/existing 0",
          "DELETE " + root + "/gone 0"), summary, "committed transaction results");
      eq(1, results.get(2).getResultStat().getVersion(), "setData result stat");
      eq(OperationType.SET_DATA, results.get(2).getType(), "result type");
      // A failing op rolls the whole transaction back; Curator throws ZooKeeper's exception.
      List<CuratorOp> failing = List.of(
          op.create().forPath(root + "/never", bytes("x")),
          op.setData().withVersion(0).forPath(root + "/existing", bytes("stale")),
          op.delete().forPath(root + "/new"));
      KeeperException.BadVersionException bad = expect(
          KeeperException.BadVersionException.class, () -> c.transaction().forOperations(failing));
      eq(List.of(0, -103, -2), errorCodes(bad.getResults()), "per-op errors of a failed multi");
      System.out.println("INFO transactions failed multi path=" + bad.getPath());
      KeeperException.NodeExistsException exists = expect(
          KeeperException.NodeExistsException.class,
          () -> c.transaction().forOperations(
              op.check().forPath(root + "/existing"),
              op.create().forPath(root + "/new")));
      eq(List.of(0, -110), errorCodes(exists.getResults()), "per-op errors (NodeExists)");
      expect(KeeperException.NoNodeException.class, () -> c.transaction().forOperations(
          op.check().forPath(root + "/missing")));
      eq(null, c.checkExists().forPath(root + "/never"), "rolled-back create");
      eq("e1", text(c.getData().forPath(root + "/existing")), "untouched data");
      check(c.checkExists().forPath(root + "/new") != null, "rolled-back delete");
    }
  }

  private static List<Integer> errorCodes(List<OpResult> results) {
    List<Integer> codes = new ArrayList<>();
    if (results == null) return codes;
    for (OpResult result : results) {
      codes.add(result instanceof OpResult.ErrorResult e ? e.getErr() : 999);
    }
    return codes;
  }

  private static void watches() throws Exception {
    String root = "/curator-basics/watch";
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    Watcher watcher = recorder(events);
    try (CuratorFramework c = client(); CuratorFramework other = client()) {
      c.create().creatingParentsIfNeeded().forPath(root + "/node", bytes("a"));
      eq("a", text(c.getData().usingWatcher(watcher).forPath(root + "/node")), "watched data");
      other.setData().forPath(root + "/node", bytes("b"));
      eq("NodeDataChanged " + root + "/node", next(events, "data watch"), "data watch");
      other.setData().forPath(root + "/node", bytes("c"));
      quiet(events, "event from a one-shot watch already fired");
      eq(null, c.checkExists().usingWatcher(watcher).forPath(root + "/later"), "missing");
      other.create().forPath(root + "/later");
      eq("NodeCreated " + root + "/later", next(events, "exists watch"), "exists watch");
      c.getChildren().usingWatcher(watcher).forPath(root);
      other.create().forPath(root + "/kid");
      eq("NodeChildrenChanged " + root, next(events, "children watch"), "children watch");
      c.getData().usingWatcher(watcher).forPath(root + "/later");
      c.getChildren().usingWatcher(watcher).forPath(root + "/later");
      other.delete().forPath(root + "/later");
      // One delete fires both the data and the child watch: the same Watcher object, so the
      // client delivers it once.
      eq("NodeDeleted " + root + "/later", next(events, "delete watch"), "delete watch");
      quiet(events, "second delivery to the same watcher");
      c.checkExists().usingWatcher(watcher).forPath(root + "/node");
      other.setData().forPath(root + "/node", bytes("d"));
      eq("NodeDataChanged " + root + "/node", next(events, "exists watch on data"), "exists+set");
      BlockingQueue<String> curatorEvents = new LinkedBlockingQueue<>();
      c.getData().usingWatcher((org.apache.curator.framework.api.CuratorWatcher) event ->
          curatorEvents.add(event.getType() + " " + event.getPath())).forPath(root + "/node");
      other.delete().forPath(root + "/node");
      eq("NodeDeleted " + root + "/node", next(curatorEvents, "CuratorWatcher"), "CuratorWatcher");
      quiet(events, "event after the last change");
    }
  }

  private static void persistentWatches() throws Exception {
    String root = "/curator-basics/pwatch";
    BlockingQueue<String> recursive = new LinkedBlockingQueue<>();
    BlockingQueue<String> single = new LinkedBlockingQueue<>();
    Watcher recursiveWatcher = recorder(recursive);
    Watcher singleWatcher = recorder(single);
    try (CuratorFramework c = client(); CuratorFramework other = client()) {
      c.create().creatingParentsIfNeeded().forPath(root);
      c.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(recursiveWatcher)
          .forPath(root + "/rec");
      c.watchers().add().withMode(AddWatchMode.PERSISTENT).usingWatcher(singleWatcher)
          .forPath(root + "/one");
      other.create().forPath(root + "/rec");
      other.create().forPath(root + "/rec/a", bytes("1"));
      other.setData().forPath(root + "/rec/a", bytes("2"));
      other.create().forPath(root + "/rec/a/b");
      other.setData().forPath(root + "/rec/a/b", bytes("3"));
      other.delete().forPath(root + "/rec/a/b");
      other.delete().forPath(root + "/rec/a");
      other.setData().forPath(root + "/rec", bytes("4"));
      // A recursive watch has no child events; each change to the subtree fires, in order.
      List<String> expected = List.of(
          "NodeCreated " + root + "/rec",
          "NodeCreated " + root + "/rec/a",
          "NodeDataChanged " + root + "/rec/a",
          "NodeCreated " + root + "/rec/a/b",
          "NodeDataChanged " + root + "/rec/a/b",
          "NodeDeleted " + root + "/rec/a/b",
          "NodeDeleted " + root + "/rec/a",
          "NodeDataChanged " + root + "/rec");
      for (String event : expected) eq(event, next(recursive, event), "recursive watch");
      quiet(recursive, "recursive watch event");
      other.create().forPath(root + "/one");
      other.create().forPath(root + "/one/kid");
      other.setData().forPath(root + "/one/kid", bytes("not seen"));
      other.setData().forPath(root + "/one", bytes("1"));
      other.setData().forPath(root + "/one", bytes("2"));
      other.delete().forPath(root + "/one/kid");
      List<String> expectedSingle = List.of(
          "NodeCreated " + root + "/one",
          "NodeChildrenChanged " + root + "/one",
          "NodeDataChanged " + root + "/one",
          "NodeDataChanged " + root + "/one",
          "NodeChildrenChanged " + root + "/one");
      for (String event : expectedSingle) eq(event, next(single, event), "persistent watch");
      quiet(single, "persistent watch event");
      c.watchers().remove(recursiveWatcher).ofType(Watcher.WatcherType.Any).forPath(root + "/rec");
      // The client itself tells the watcher, on its event thread, once the server has removed it.
      eq("PersistentWatchRemoved " + root + "/rec", next(recursive, "PersistentWatchRemoved"),
          "removeWatches");
      other.create().forPath(root + "/rec/after-remove");
      quiet(recursive, "event after removeWatches");
    }
  }

  private static void digestAuth() throws Exception {
    String root = "/curator-basics/auth";
    try (CuratorFramework owner = client(connectString, SESSION_TIMEOUT_MS,
            builder -> builder.authorization("digest", bytes("curator:secret")));
        CuratorFramework stranger = client();
        CuratorFramework friend = client(connectString, SESSION_TIMEOUT_MS,
            builder -> builder.authorization("digest", bytes("curator:secret")))) {
      owner.create().creatingParentsIfNeeded().withACL(ZooDefs.Ids.CREATOR_ALL_ACL)
          .forPath(root + "/private", bytes("p"));
      List<ACL> acls = owner.getACL().forPath(root + "/private");
      eq(1, acls.size(), "one ACL entry");
      eq(ZooDefs.Perms.ALL, acls.get(0).getPerms(), "perms");
      eq("digest:curator:" + DigestAuthenticationProvider.generateDigest("curator:secret")
          .substring("curator:".length()), acls.get(0).getId().getScheme() + ":"
          + acls.get(0).getId().getId(), "the creator's digest id");
      expect(KeeperException.NoAuthException.class,
          () -> stranger.getData().forPath(root + "/private"));
      eq("p", text(friend.getData().forPath(root + "/private")), "same credentials read");
      expect(KeeperException.InvalidACLException.class, () -> stranger.create()
          .withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath(root + "/no-auth-creator"));
    }
  }

  // ---- recipes ------------------------------------------------------------------------------

  private static void mutex() throws Exception {
    String root = "/curator-recipes/mutex";
    int contenders = 3;
    int rounds = 5;
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger maxHolders = new AtomicInteger();
    // Read, pause, write: loses updates unless the lock excludes the other contenders.
    AtomicInteger counter = new AtomicInteger();
    CyclicBarrier connected = new CyclicBarrier(contenders);
    parallel(contenders, index -> {
      try (CuratorFramework c = client()) {
        InterProcessMutex mutex = new InterProcessMutex(c, root);
        connected.await(WAIT_S, TimeUnit.SECONDS);
        for (int round = 0; round < rounds; round++) {
          check(mutex.acquire(WAIT_S, TimeUnit.SECONDS), "acquire by contender " + index);
          check(mutex.acquire(WAIT_S, TimeUnit.SECONDS), "re-entrant acquire");
          try {
            maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
            int value = counter.get();
            Thread.sleep(10);
            counter.set(value + 1);
            holders.decrementAndGet();
          } finally {
            mutex.release();
            mutex.release();
          }
        }
        check(!mutex.isAcquiredInThisProcess(), "released");
      }
    });
    eq(1, maxHolders.get(), "most holders at once");
    eq(contenders * rounds, counter.get(), "counter guarded by the mutex");
    try (CuratorFramework c = client()) {
      // The lock's parent is a container: it may already have been reaped once empty.
      Stat stat = c.checkExists().forPath(root);
      eq(0, stat == null ? 0 : stat.getNumChildren(), "lock nodes left over");
    }
  }

  private static void semaphore() throws Exception {
    String root = "/curator-recipes/semaphore";
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger maxHolders = new AtomicInteger();
    CyclicBarrier connected = new CyclicBarrier(4);
    parallel(4, index -> {
      try (CuratorFramework c = client()) {
        InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(c, root, 2);
        connected.await(WAIT_S, TimeUnit.SECONDS);
        for (int round = 0; round < 3; round++) {
          Lease lease = semaphore.acquire(WAIT_S, TimeUnit.SECONDS);
          check(lease != null, "lease for " + index);
          maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
          Thread.sleep(100);
          holders.decrementAndGet();
          semaphore.returnLease(lease);
        }
      }
    });
    eq(2, maxHolders.get(), "most lease holders at once");
  }

  private static void leaderLatch() throws Exception {
    String root = "/curator-recipes/leader";
    List<CuratorFramework> clients = new ArrayList<>();
    List<LeaderLatch> latches = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        CuratorFramework c = client();
        clients.add(c);
        LeaderLatch latch = new LeaderLatch(c, root, "p" + i);
        latches.add(latch);
        latch.start();
      }
      int first = awaitOneLeader(latches, Set.of(0, 1, 2));
      for (LeaderLatch latch : latches) {
        eq("p" + first, latch.getLeader().getId(), "leader seen by every participant");
      }
      eq(3, latches.get(0).getParticipants().size(), "participants");
      latches.get(first).close();
      Set<Integer> rest = new TreeSet<>(Set.of(0, 1, 2));
      rest.remove(first);
      int second = awaitOneLeader(latches, rest);
      check(second != first, "leadership moved");
      check(latches.get(second).await(1, TimeUnit.SECONDS), "await() of the new leader");
      latches.get(second).close();
      rest.remove(second);
      int third = awaitOneLeader(latches, rest);
      System.out.println("INFO leader-latch order p" + first + " p" + second + " p" + third);
      latches.get(third).close();
    } finally {
      for (LeaderLatch latch : latches) {
        if (latch.getState() == LeaderLatch.State.STARTED) latch.close();
      }
      closeAll(clients);
    }
  }

  /** Waits until exactly one of the open latches leads, checks it stays so, returns it. */
  private static int awaitOneLeader(List<LeaderLatch> latches, Set<Integer> open) throws Exception {
    int[] leader = {-1};
    await("exactly one leader among " + open, () -> {
      int count = 0;
      for (int i : open) {
        if (latches.get(i).hasLeadership()) {
          count++;
          leader[0] = i;
        }
      }
      check(count <= 1, "two leaders at once");
      return count == 1;
    });
    Thread.sleep(200);
    for (int i : open) eq(i == leader[0], latches.get(i).hasLeadership(), "leadership of p" + i);
    return leader[0];
  }

  private static void simpleQueue() throws Exception {
    String root = "/curator-recipes/simple-queue";
    try (CuratorFramework c = client()) {
      SimpleDistributedQueue queue = new SimpleDistributedQueue(c, root);
      List<String> items = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        items.add("item-" + i);
        check(queue.offer(bytes("item-" + i)), "offer");
      }
      eq("item-0", text(queue.peek()), "peek");
      List<String> taken = new ArrayList<>();
      for (int i = 0; i < 10; i++) taken.add(text(queue.take()));
      eq(items, taken, "one consumer takes in order");
      eq(null, queue.poll(), "empty queue");
    }
    String shared = root + "-shared";
    int total = 30;
    try (CuratorFramework producer = client()) {
      SimpleDistributedQueue queue = new SimpleDistributedQueue(producer, shared);
      for (int i = 0; i < total; i++) queue.offer(bytes(String.format("%02d", i)));
    }
    ConcurrentLinkedQueue<String> all = new ConcurrentLinkedQueue<>();
    parallel(3, index -> {
      try (CuratorFramework c = client()) {
        SimpleDistributedQueue queue = new SimpleDistributedQueue(c, shared);
        List<String> mine = new ArrayList<>();
        byte[] item;
        while ((item = queue.poll()) != null) mine.add(text(item));
        List<String> sorted = new ArrayList<>(mine);
        Collections.sort(sorted);
        eq(sorted, mine, "consumer " + index + " takes in queue order");
        all.addAll(mine);
      }
    });
    List<String> every = new ArrayList<>(all);
    Collections.sort(every);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) expected.add(String.format("%02d", i));
    eq(expected, every, "3 consumers take each item exactly once");
  }

  private static void distributedQueue() throws Exception {
    String root = "/curator-recipes/queue";
    BlockingQueue<String> consumed = new LinkedBlockingQueue<>();
    QueueConsumer<String> consumer = new QueueConsumer<>() {
      @Override
      public void consumeMessage(String message) {
        consumed.add(message);
      }

      @Override
      public void stateChanged(CuratorFramework client, ConnectionState state) {}
    };
    QueueSerializer<String> serializer = new QueueSerializer<>() {
      @Override
      public byte[] serialize(String item) {
        return bytes(item);
      }

      @Override
      public String deserialize(byte[] data) {
        return text(data);
      }
    };
    try (CuratorFramework producerClient = client(); CuratorFramework consumerClient = client()) {
      DistributedQueue<String> producer =
          QueueBuilder.builder(producerClient, null, serializer, root).buildQueue();
      DistributedQueue<String> consumerQueue =
          QueueBuilder.builder(consumerClient, consumer, serializer, root).buildQueue();
      producer.start();
      consumerQueue.start();
      try {
        for (int i = 0; i < 10; i++) producer.put("m" + i);
        for (int i = 0; i < 10; i++) eq("m" + i, next(consumed, "message m" + i), "queue order");
        quiet(consumed, "message consumed twice");
        await("consumed items removed", () -> producerClient.getChildren().forPath(root).isEmpty());
      } finally {
        consumerQueue.close();
        producer.close();
      }
    }
  }

  private static void atomicLong() throws Exception {
    String root = "/curator-recipes/atomic";
    int threads = 3;
    int increments = 20;
    AtomicInteger retries = new AtomicInteger();
    parallel(threads, index -> {
      try (CuratorFramework c = client()) {
        DistributedAtomicLong counter = new DistributedAtomicLong(c, root, new RetryNTimes(100, 5));
        for (int i = 0; i < increments; i++) {
          AtomicValue<Long> result = counter.increment();
          while (!result.succeeded()) {
            retries.incrementAndGet();
            result = counter.increment();
          }
          check(result.postValue() == result.preValue() + 1, "increment by one");
        }
      }
    });
    try (CuratorFramework c = client()) {
      DistributedAtomicLong counter = new DistributedAtomicLong(c, root, new RetryNTimes(3, 10));
      long total = (long) threads * increments;
      eq(total, counter.get().postValue(), "value after concurrent increments");
      check(counter.compareAndSet(total, 100L).succeeded(), "compareAndSet with the right value");
      check(!counter.compareAndSet(total, 7L).succeeded(), "compareAndSet with a stale value");
      eq(100L, counter.get().postValue(), "value after compareAndSet");
      eq(95L, counter.subtract(5L).postValue(), "subtract");
      System.out.println("INFO atomic-long retries after contention: " + retries.get());
    }
  }

  private static void curatorCache() throws Exception {
    String root = "/curator-recipes/cache";
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (CuratorFramework c = client(); CuratorFramework writer = client()) {
      c.create().creatingParentsIfNeeded().forPath(root, bytes("r"));
      c.create().forPath(root + "/pre", bytes("p"));
      CuratorCacheListener listener = CuratorCacheListener.builder()
          .forCreates(d -> events.add("create " + d.getPath() + " " + text(d.getData())))
          .forChanges((before, after) -> events.add("change " + after.getPath() + " "
              + text(before.getData()) + "->" + text(after.getData())))
          .forDeletes(d -> events.add("delete " + d.getPath()))
          .forInitialized(() -> events.add("initialized"))
          .build();
      try (CuratorCache cache = CuratorCache.build(c, root)) {
        cache.listenable().addListener(listener);
        cache.start();
        Set<String> initial = new TreeSet<>();
        for (int i = 0; i < 2; i++) initial.add(next(events, "initial node"));
        eq(new TreeSet<>(List.of("create " + root + " r", "create " + root + "/pre p")), initial,
            "initial nodes");
        eq("initialized", next(events, "initialized"), "initialized");
        // Each change waits for its event: the cache reads the data after the watch fires.
        String[][] script = {
            {"create", "/a", "1", "create " + root + "/a 1"},
            {"set", "/a", "2", "change " + root + "/a 1->2"},
            {"create", "/a/b", "3", "create " + root + "/a/b 3"},
            {"set", "/a/b", "4", "change " + root + "/a/b 3->4"},
            {"create", "/a/b/c", "5", "create " + root + "/a/b/c 5"},
            {"delete", "/a/b/c", "", "delete " + root + "/a/b/c"},
            {"delete", "/a/b", "", "delete " + root + "/a/b"},
            {"set", "", "r2", "change " + root + " r->r2"},
            {"delete", "/a", "", "delete " + root + "/a"},
            {"delete", "/pre", "", "delete " + root + "/pre"},
        };
        for (String[] line : script) {
          String path = root + line[1];
          switch (line[0]) {
            case "create" -> writer.create().forPath(path, bytes(line[2]));
            case "set" -> writer.setData().forPath(path, bytes(line[2]));
            default -> writer.delete().forPath(path);
          }
          eq(line[3], next(events, line[3]), "cache event");
        }
        quiet(events, "cache event");
        eq(1, cache.size(), "cached nodes");
        eq("r2", text(cache.get(root).map(ChildData::getData).orElse(null)), "cached root");
      }
    }
  }

  @SuppressWarnings("deprecation")
  private static void pathChildrenCache() throws Exception {
    String root = "/curator-recipes/children-cache";
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (CuratorFramework c = client(); CuratorFramework writer = client()) {
      c.create().creatingParentsIfNeeded().forPath(root);
      PathChildrenCache cache = new PathChildrenCache(c, root, true);
      try (cache) {
        cache.getListenable().addListener((client, event) -> {
          ChildData data = event.getData();
          events.add(event.getType() + (data == null ? "" : " " + data.getPath() + " "
              + text(data.getData())));
        });
        cache.start(PathChildrenCache.StartMode.POST_INITIALIZED_EVENT);
        eq("INITIALIZED", next(events, "INITIALIZED"), "initialized");
        writer.create().forPath(root + "/x", bytes("1"));
        eq("CHILD_ADDED " + root + "/x 1", next(events, "CHILD_ADDED"), "added");
        writer.setData().forPath(root + "/x", bytes("2"));
        eq("CHILD_UPDATED " + root + "/x 2", next(events, "CHILD_UPDATED"), "updated");
        writer.delete().forPath(root + "/x");
        eq("CHILD_REMOVED " + root + "/x 2", next(events, "CHILD_REMOVED"), "removed");
        quiet(events, "children cache event");
      }
    }
  }

  private static void persistentNode() throws Exception {
    String root = "/curator-recipes/persistent-node";
    String path = root + "/member";
    try (CuratorFramework c = client(); CuratorFramework other = client()) {
      other.create().creatingParentsIfNeeded().forPath(root);
      try (PersistentNode node = new PersistentNode(c, CreateMode.EPHEMERAL, false, path,
          bytes("me"))) {
        node.start();
        check(node.waitForInitialCreate(WAIT_S, TimeUnit.SECONDS), "initial create");
        eq(path, node.getActualPath(), "actual path");
        long owner = sessionId(c);
        eq(owner, other.checkExists().forPath(path).getEphemeralOwner(), "owner");
        other.delete().forPath(path);
        await("the deleted node to be recreated", () -> other.checkExists().forPath(path) != null);
        eq(owner, other.checkExists().forPath(path).getEphemeralOwner(), "owner after recreation");
        eq("me", text(other.getData().forPath(path)), "data after recreation");
        node.setData(bytes("changed"));
        await("setData to reach the server",
            () -> "changed".equals(text(other.getData().forPath(path))));
      }
      await("close() to delete the node", () -> other.checkExists().forPath(path) == null);
    }
  }

  private static void sharedCount() throws Exception {
    String root = "/curator-recipes/shared-count";
    BlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
    try (CuratorFramework c1 = client(); CuratorFramework c2 = client();
        SharedCount a = new SharedCount(c1, root, 0);
        SharedCount b = new SharedCount(c2, root, 0)) {
      b.addListener(new SharedCountListener() {
        @Override
        public void countHasChanged(SharedCountReader reader, int newCount) {
          seen.add(newCount);
        }

        @Override
        public void stateChanged(CuratorFramework client, ConnectionState state) {}
      });
      a.start();
      b.start();
      eq(0, b.getCount(), "seed value");
      a.setCount(5);
      eq(5, next(seen, "count 5"), "listener of the other client");
      VersionedValue<Integer> current = a.getVersionedValue();
      eq(5, current.getValue(), "versioned value");
      check(a.trySetCount(current, 6), "trySetCount with the current version");
      check(!a.trySetCount(current, 7), "trySetCount with a stale version");
      eq(6, a.getCount(), "value after trySetCount");
      eq(6, next(seen, "count 6"), "listener after trySetCount");
      await("b to see 6", () -> b.getCount() == 6);
      check(b.trySetCount(b.getVersionedValue(), 8), "the other client sets next");
      await("a to see 8", () -> a.getCount() == 8);
    }
  }

  // ---- session ------------------------------------------------------------------------------

  /**
   * A TCP proxy on 127.0.0.1 in front of the server: drop() closes every connection through it
   * and refuse(true) closes new ones at once, so a client loses its connection while its
   * session lives on in the server.
   */
  static final class Proxy implements Closeable {
    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;

    Proxy(String target) throws IOException {
      int colon = target.lastIndexOf(':');
      host = target.substring(0, colon);
      port = Integer.parseInt(target.substring(colon + 1));
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::acceptLoop, "proxy accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String connectString() {
      return "127.0.0.1:" + listener.getLocalPort();
    }

    void refuse(boolean on) {
      refusing = on;
    }

    void drop() {
      for (Socket socket : open) closeQuietly(socket);
      open.clear();
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket downstream = listener.accept();
          if (refusing) {
            downstream.close();
            continue;
          }
          Socket upstream = new Socket(host, port);
          open.add(downstream);
          open.add(upstream);
          pump(downstream, upstream);
          pump(upstream, downstream);
        } catch (IOException e) {
          if (!listener.isClosed()) System.err.println("proxy: " + e);
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread thread = new Thread(() -> {
        byte[] buffer = new byte[65536];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          int n;
          while ((n = in.read(buffer)) >= 0) out.write(buffer, 0, n);
        } catch (IOException e) {
          // The other direction closed the pair, or drop() did.
        } finally {
          closeQuietly(from);
          closeQuietly(to);
        }
      }, "proxy pump");
      thread.setDaemon(true);
      thread.start();
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        System.err.println("proxy close: " + e);
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      drop();
    }
  }

  /** Loses the connection for ~1.5 s: same session, ephemerals kept, watches caught up. */
  private static void reconnect() throws Exception {
    String root = "/curator-session/reconnect";
    BlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    BlockingQueue<String> recursive = new LinkedBlockingQueue<>();
    Watcher watcher = recorder(events);
    BlockingQueue<String> callbacks = new LinkedBlockingQueue<>();
    try (Proxy proxy = new Proxy(connectString);
        CuratorFramework a = client(proxy.connectString(), SESSION_TIMEOUT_MS,
            builder -> builder.authorization("digest", bytes("curator:secret")));
        CuratorFramework b = client()) {
      a.getConnectionStateListenable().addListener((client, state) -> states.add(state));
      long session = sessionId(a);
      b.create().creatingParentsIfNeeded().forPath(root + "/watched", bytes("v0"));
      b.create().forPath(root + "/doomed");
      a.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/eph", bytes("mine"));
      a.create().withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath(root + "/private", bytes("p"));
      a.getData().usingWatcher(watcher).forPath(root + "/watched");
      a.getData().usingWatcher(watcher).forPath(root + "/doomed");
      a.checkExists().usingWatcher(watcher).forPath(root + "/appears");
      a.getChildren().usingWatcher(watcher).forPath(root);
      a.checkExists().usingWatcher(watcher).forPath(root + "/unchanged");
      a.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE)
          .usingWatcher(recorder(recursive)).forPath(root + "/tree");
      b.create().forPath(root + "/tree");
      eq("NodeCreated " + root + "/tree", next(recursive, "recursive watch"), "before the drop");
      proxy.refuse(true);
      proxy.drop();
      eq(ConnectionState.SUSPENDED, next(states, "SUSPENDED"), "state after the drop");
      // Changes made while the client is away: the watches it re-registers on reconnect
      // (SetWatches with its last zxid) fire for them at once.
      b.setData().forPath(root + "/watched", bytes("v1"));
      b.delete().forPath(root + "/doomed");
      b.create().forPath(root + "/appears");
      b.create().forPath(root + "/tree/missed");
      // Curator retries a background operation that meets a lost connection.
      a.create().inBackground((client, event) -> callbacks.add(describe(event)))
          .forPath(root + "/queued");
      Thread.sleep(1_500);
      proxy.refuse(false);
      eq(ConnectionState.RECONNECTED, next(states, "RECONNECTED"), "state after reconnecting");
      eq(session, sessionId(a), "session id after reconnecting");
      Set<String> caughtUp = new TreeSet<>();
      for (int i = 0; i < 4; i++) caughtUp.add(next(events, "watch re-registered on reconnect"));
      eq(new TreeSet<>(List.of(
          "NodeDataChanged " + root + "/watched",
          "NodeDeleted " + root + "/doomed",
          "NodeCreated " + root + "/appears",
          "NodeChildrenChanged " + root)), caughtUp, "watch events after reconnecting");
      quiet(events, "watch event");
      eq(session, b.checkExists().forPath(root + "/eph").getEphemeralOwner(), "ephemeral kept");
      b.create().forPath(root + "/unchanged");
      eq("NodeCreated " + root + "/unchanged", next(events, "exists watch kept"), "kept watch");
      List<String> missed = new ArrayList<>();
      recursive.drainTo(missed);
      System.out.println("INFO reconnect recursive events for changes while away: " + missed);
      b.create().forPath(root + "/tree/after");
      eq("NodeCreated " + root + "/tree/after", next(recursive, "recursive watch kept"),
          "recursive watch after reconnecting");
      eq("CREATE 0 " + root + "/queued", next(callbacks, "background create"), "retried create");
      eq("p", text(a.getData().forPath(root + "/private")), "digest auth sent again");
      a.setData().forPath(root + "/eph", bytes("still mine"));
      eq("still mine", text(b.getData().forPath(root + "/eph")), "the session still writes");
      quiet(states, "connection state change");
    }
  }

  /** Away longer than the session timeout: LOST, then a new session; PersistentNode recovers. */
  private static void expiry() throws Exception {
    String root = "/curator-session/expiry";
    BlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();
    try (Proxy proxy = new Proxy(connectString);
        CuratorFramework a = client(proxy.connectString(), SHORT_SESSION_TIMEOUT_MS);
        CuratorFramework b = client()) {
      a.getConnectionStateListenable().addListener((client, state) -> states.add(state));
      long session = sessionId(a);
      int negotiated = a.getZookeeperClient().getZooKeeper().getSessionTimeout();
      System.out.println("INFO expiry negotiated session timeout " + negotiated + " ms");
      b.create().creatingParentsIfNeeded().forPath(root);
      a.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/plain");
      try (PersistentNode node =
          new PersistentNode(a, CreateMode.EPHEMERAL, false, root + "/member", bytes("m"))) {
        node.start();
        check(node.waitForInitialCreate(WAIT_S, TimeUnit.SECONDS), "initial create");
        proxy.refuse(true);
        proxy.drop();
        eq(ConnectionState.SUSPENDED, next(states, "SUSPENDED"), "state after the drop");
        eq(ConnectionState.LOST, next(states, "LOST"), "state after the session timeout");
        await("the server to expire the session and delete its ephemerals",
            () -> b.checkExists().forPath(root + "/plain") == null
                && b.checkExists().forPath(root + "/member") == null);
        proxy.refuse(false);
        eq(ConnectionState.RECONNECTED, next(states, "RECONNECTED"), "state after LOST");
        long renewed = sessionId(a);
        check(renewed != session, "a new session after expiry");
        await("PersistentNode to recreate its node in the new session", () -> {
          Stat stat = b.checkExists().forPath(root + "/member");
          return stat != null && stat.getEphemeralOwner() == renewed;
        });
        eq(null, b.checkExists().forPath(root + "/plain"), "a plain ephemeral stays gone");
      }
    }
  }

  /**
   * The session is closed while its client is away (a second handle attaches to it with its id
   * and password, then closes it); when the client comes back, the server's reply to its
   * connect says expired, and Curator goes LOST, then RECONNECTED in a new session.
   */
  private static void expiryToldByServer() throws Exception {
    String root = "/curator-session/server-expiry";
    BlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();
    try (Proxy proxy = new Proxy(connectString);
        CuratorFramework a = client(proxy.connectString(), SESSION_TIMEOUT_MS);
        CuratorFramework b = client()) {
      a.getConnectionStateListenable().addListener((client, state) -> states.add(state));
      ZooKeeper handle = a.getZookeeperClient().getZooKeeper();
      long session = handle.getSessionId();
      byte[] password = handle.getSessionPasswd();
      b.create().creatingParentsIfNeeded().forPath(root);
      a.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/plain");
      proxy.refuse(true);
      proxy.drop();
      eq(ConnectionState.SUSPENDED, next(states, "SUSPENDED"), "state after the drop");
      BlockingQueue<Watcher.Event.KeeperState> keeperStates = new LinkedBlockingQueue<>();
      ZooKeeper second = new ZooKeeper(connectString, SESSION_TIMEOUT_MS,
          event -> keeperStates.add(event.getState()), session, password);
      eq(Watcher.Event.KeeperState.SyncConnected, next(keeperStates, "second handle"),
          "attaching to the session from a second connection");
      eq(session, second.getSessionId(), "the second handle's session");
      eq(session, second.exists(root + "/plain", false).getEphemeralOwner(), "owner");
      second.close();
      await("closing the session to delete its ephemerals",
          () -> b.checkExists().forPath(root + "/plain") == null);
      proxy.refuse(false);
      eq(ConnectionState.LOST, next(states, "LOST"), "state once the server says expired");
      eq(ConnectionState.RECONNECTED, next(states, "RECONNECTED"), "state in a new session");
      check(sessionId(a) != session, "a new session after expiry");
      a.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/plain");
      eq(sessionId(a), b.checkExists().forPath(root + "/plain").getEphemeralOwner(), "owner");
      quiet(states, "connection state change");
    }
  }

  private static void closeSession() throws Exception {
    String root = "/curator-session/close";
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (CuratorFramework b = client()) {
      b.create().creatingParentsIfNeeded().forPath(root);
      CuratorFramework a = client();
      a.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/eph");
      a.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(root + "/eseq-");
      b.getChildren().usingWatcher(recorder(events)).forPath(root);
      a.close();
      eq("NodeChildrenChanged " + root, next(events, "children watch"), "close deletes ephemerals");
      eq(List.of(), b.getChildren().forPath(root), "ephemerals after close");
    }
  }

  private CuratorScript() {}
}
