package io.sluice.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the cluster's metadata every second: the controller and its epoch, live broker registrations and every
 * workload partition's state znode and replicas from ZooKeeper (directly, not through the proxies), and each
 * partition's high watermark (ListOffsets latest, read_uncommitted) through the Admin client. Records a
 * {@link Sample} per round and keeps the latest view for the fault schedule.
 *
 * <p>Concurrency: {@link #run} on its own thread; {@link #latest()} and {@link #healed} from any thread (an immutable
 * view swapped atomically).
 */
public final class MetadataSampler implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataSampler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one round saw. */
    public record View(long t, Sample sample, Set<Integer> registered) {}

    private final CuratorFramework zk;
    private final Admin admin;
    private final List<TopicPartition> partitions;
    private final HistoryWriter history;
    private final RunClock clock;
    private volatile View latest;
    private volatile boolean running = true;

    public MetadataSampler(
            String zkConnect, Admin admin, List<TopicPartition> partitions, HistoryWriter history, RunClock clock) {
        this.zk = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(1_500)
                .retryPolicy(new RetryOneTime(100))
                .build();
        this.admin = admin;
        this.partitions = List.copyOf(partitions);
        this.history = history;
        this.clock = clock;
        zk.start();
    }

    public View latest() {
        return latest;
    }

    /** Whether {@code view} shows every partition with a leader and a full ISR, and every broker registered. */
    public static boolean healed(View view, List<Integer> brokers) {
        if (view == null || !view.registered().containsAll(brokers)) {
            return false;
        }
        for (Sample.PartitionSample p : view.sample().partitions().values()) {
            if (p == null
                    || p.leader() < 0
                    || p.isr() == null
                    || p.replicas() == null
                    || !new TreeSet<>(p.isr()).equals(new TreeSet<>(p.replicas()))) {
                return false;
            }
        }
        return !view.sample().partitions().isEmpty();
    }

    /** The leader of {@code tp} in the latest view, -1 if unknown. */
    public int leaderOf(TopicPartition tp) {
        View v = latest;
        if (v == null) {
            return -1;
        }
        Sample.PartitionSample p = v.sample().partitions().get(Partitions.name(tp));
        return p == null ? -1 : p.leader();
    }

    public int controller() {
        View v = latest;
        return v == null ? -1 : v.sample().controller();
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        long next = System.nanoTime();
        while (running) {
            try {
                sampleOnce();
            } catch (RuntimeException e) {
                log.warn("metadata sample failed", e);
            }
            next += TimeUnit.SECONDS.toNanos(1);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } else {
                next = System.nanoTime();
            }
        }
    }

    /** Takes one sample now and records it. */
    public View sampleOnce() {
        long t = clock.now();
        int controller = -1;
        int controllerEpoch = -1;
        Set<Integer> registered = new TreeSet<>();
        Map<String, Sample.PartitionSample> states = new LinkedHashMap<>();
        Map<String, JsonNode> assignments = new HashMap<>();
        try {
            controller = JSON.readTree(read("/controller")).path("brokerid").asInt(-1);
        } catch (Exception e) {
            log.debug("no controller read", e);
        }
        try {
            controllerEpoch = Integer.parseInt(
                    new String(zk.getData().forPath("/controller_epoch"), StandardCharsets.UTF_8).trim());
        } catch (Exception e) {
            log.debug("no controller epoch read", e);
        }
        try {
            for (String id : zk.getChildren().forPath("/brokers/ids")) {
                registered.add(Integer.parseInt(id));
            }
        } catch (Exception e) {
            log.debug("no broker registrations read", e);
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> hws = highWatermarks();
        for (TopicPartition tp : partitions) {
            int leader = -1;
            int leaderEpoch = -1;
            List<Integer> isr = null;
            List<Integer> replicas = null;
            try {
                JsonNode state = JSON.readTree(
                        read("/brokers/topics/" + tp.topic() + "/partitions/" + tp.partition() + "/state"));
                leader = state.path("leader").asInt(-1);
                leaderEpoch = state.path("leader_epoch").asInt(-1);
                isr = ints(state.path("isr"));
                JsonNode assignment = assignments.get(tp.topic());
                if (assignment == null) {
                    assignment = JSON.readTree(read("/brokers/topics/" + tp.topic()));
                    assignments.put(tp.topic(), assignment);
                }
                replicas = ints(assignment.path("partitions").path(Integer.toString(tp.partition())));
            } catch (Exception e) {
                log.debug("no state read for {}", tp, e);
            }
            // Only a high watermark answered by the leader of the epoch ZooKeeper shows: a deposed leader that has
            // not heard of its successor still answers ListOffsets with its own, older high watermark.
            ListOffsetsResult.ListOffsetsResultInfo hw = hws.get(tp);
            long highWatermark = hw != null
                            && leaderEpoch >= 0
                            && hw.leaderEpoch().isPresent()
                            && hw.leaderEpoch().get() == leaderEpoch
                    ? hw.offset()
                    : -1L;
            states.put(
                    Partitions.name(tp), new Sample.PartitionSample(leader, leaderEpoch, isr, replicas, highWatermark));
        }
        Sample sample = new Sample(t, controller, controllerEpoch, states);
        history.append(sample);
        View view = new View(t, sample, registered);
        latest = view;
        return view;
    }

    private Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> highWatermarks() {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> out = new HashMap<>();
        ListOffsetsResult result =
                admin.listOffsets(request, new org.apache.kafka.clients.admin.ListOffsetsOptions().timeoutMs(1_500));
        for (TopicPartition tp : partitions) {
            try {
                out.put(tp, result.partitionResult(tp).get(2, TimeUnit.SECONDS));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.debug("no high watermark for {}", tp, e);
            }
        }
        return out;
    }

    private byte[] read(String path) throws Exception {
        return zk.getData().forPath(path);
    }

    private static List<Integer> ints(JsonNode array) {
        if (!array.isArray()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public void close() {
        running = false;
        zk.close();
    }
}
