package io.sluice.broker.it;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;

/**
 * A group member in its own JVM, so that it can crash: SIGKILL ends it without a LeaveGroup and without its heartbeat
 * thread, and the coordinator notices only when its session times out. (A consumer abandoned inside the test JVM
 * keeps heartbeating until {@code max.poll.interval.ms}, then leaves the group on its own: no crash.)
 *
 * <p>The child ({@link #main}) polls and commits like {@link ConsumerMember} and prints one line per event, flushed
 * before every commit:
 *
 * <pre>
 * D generation memberId partition offset   a record poll returned
 * c generation partition offset            a commit about to be sent (it may complete just before a kill)
 * C generation partition offset            a commit the coordinator acknowledged
 * A generation memberId p1,p2,...          the assignment after a poll, when it changed ("-" for none)
 * </pre>
 *
 * The parent ({@link #start}) reads the file the child writes: {@link #snapshot()} for the current assignment, and
 * {@link #reportTo(GroupLedger)} once the child is dead.
 *
 * <p>Concurrency: the parent side is meant for the test thread.
 */
final class RemoteConsumerMember implements AutoCloseable {
    private final String name;
    private final String topic;
    private final ChildJvm jvm;
    private volatile boolean crashed;

    private RemoteConsumerMember(String name, String topic, ChildJvm jvm) {
        this.name = name;
        this.topic = topic;
        this.jvm = jvm;
    }

    /** Starts a member called {@code name} (its {@code client.id}) of {@code group} in a child JVM. */
    static RemoteConsumerMember start(
            Path dir, String name, String bootstrap, String group, String topic, Map<String, String> extra)
            throws Exception {
        List<String> args = new ArrayList<>(List.of(bootstrap, group, topic, name));
        extra.forEach((k, v) -> args.add(k + "=" + v));
        return new RemoteConsumerMember(name, topic, ChildJvm.start(dir, RemoteConsumerMember.class.getName(), args));
    }

    String name() {
        return name;
    }

    /** The assignment the child last printed; stopped, with the end of its log, if it died without {@link #crash}. */
    ConsumerMember.Snapshot snapshot() {
        if (!crashed && !jvm.isAlive()) {
            String log = jvm.stderr();
            return new ConsumerMember.Snapshot(
                    name, "", -1, Set.of(), "its JVM exited: " + log.substring(Math.max(0, log.length() - 2_000)));
        }
        ConsumerMember.Snapshot last = new ConsumerMember.Snapshot(name, "", -1, Set.of(), null);
        for (String line : completeLines()) {
            String[] w = line.split(" ");
            if (w.length == 4 && w[0].equals("A")) {
                Set<TopicPartition> assignment = w[3].equals("-")
                        ? Set.of()
                        : Arrays.stream(w[3].split(","))
                                .map(p -> new TopicPartition(topic, Integer.parseInt(p)))
                                .collect(Collectors.toUnmodifiableSet());
                last = new ConsumerMember.Snapshot(name, w[2], Integer.parseInt(w[1]), assignment, null);
            }
        }
        return last;
    }

    /** The lines the child has finished writing (a line being written is left out). */
    private List<String> completeLines() {
        String out = jvm.stdout();
        return out.substring(0, out.lastIndexOf('\n') + 1).lines().toList();
    }

    /** SIGKILL: no LeaveGroup, no more heartbeats. */
    void crash() throws InterruptedException {
        crashed = true;
        jvm.kill();
    }

    /** Hands what the (dead) child printed to {@code ledger}: its deliveries and its commits as remote ones. */
    void reportTo(GroupLedger ledger) {
        if (jvm.isAlive()) {
            throw new IllegalStateException(name + " still runs");
        }
        for (String line : completeLines()) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "D" ->
                    ledger.delivered(name, w[2], Integer.parseInt(w[1]), Integer.parseInt(w[3]), Long.parseLong(w[4]));
                case "c", "C" ->
                    ledger.committedRemotely(
                            name, Integer.parseInt(w[1]), Integer.parseInt(w[2]), Long.parseLong(w[3]));
                default -> {}
            }
        }
    }

    /** The child's log (its stderr), for failure messages. */
    String log() {
        return jvm.stderr();
    }

    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }

    /** The child: {@code bootstrap group topic clientId [consumerKey=value ...]}; runs until killed. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Map<String, String> config = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            config.put(kv[0], kv[1]);
        }
        config.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, args[3]);
        String previous = "";
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(args[0], config)) {
            consumer.subscribe(List.of(args[2]));
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                ConsumerGroupMetadata group = consumer.groupMetadata();
                int generation = group.generationId();
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    out.println("D " + generation + " " + group.memberId() + " " + r.partition() + " " + r.offset());
                    next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!next.isEmpty()) {
                    next.forEach((tp, o) -> out.println("c " + generation + " " + tp.partition() + " " + o.offset()));
                    out.flush();
                    try {
                        consumer.commitSync(next, Duration.ofSeconds(60));
                        next.forEach(
                                (tp, o) -> out.println("C " + generation + " " + tp.partition() + " " + o.offset()));
                    } catch (CommitFailedException | RebalanceInProgressException e) {
                        // the records come again in a later generation
                    }
                }
                Set<Integer> owned = new TreeSet<>();
                consumer.assignment().forEach(tp -> owned.add(tp.partition()));
                String assignment = owned.isEmpty()
                        ? "-"
                        : owned.stream().map(String::valueOf).collect(Collectors.joining(","));
                String now = "A " + generation + " " + group.memberId() + " " + assignment;
                if (!now.equals(previous)) {
                    out.println(now);
                    previous = now;
                }
                out.flush();
            }
        }
    }
}
