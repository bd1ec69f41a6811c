package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What the members of one consumer group did, as they reported it: every delivered record as (member, member id,
 * generation, partition, offset), every offset commit the coordinator acknowledged, in the order the acknowledgements
 * arrived, and the commits of members in other processes (which may be killed mid-commit), unordered. The checks read
 * the whole history after the members stopped.
 *
 * <p>Concurrency: thread-safe; members on their own threads append, guarded by this object's monitor. Entries carry a
 * sequence number in the order they were appended here.
 */
final class GroupLedger {
    /** One record handed to the application by {@code poll}. */
    record Delivery(long seq, String member, String memberId, int generation, int partition, long offset) {}

    /** An offset commit of one partition: the next offset to read. */
    record Commit(long seq, String member, int generation, int partition, long offset) {}

    private final AtomicLong sequence = new AtomicLong();
    private final List<Delivery> deliveries = new ArrayList<>();
    private final List<Commit> commits = new ArrayList<>();
    private final List<Commit> remoteCommits = new ArrayList<>();

    long now() {
        return sequence.get();
    }

    synchronized void delivered(String member, String memberId, int generation, int partition, long offset) {
        deliveries.add(new Delivery(sequence.incrementAndGet(), member, memberId, generation, partition, offset));
    }

    synchronized void committed(String member, int generation, int partition, long offset) {
        commits.add(new Commit(sequence.incrementAndGet(), member, generation, partition, offset));
    }

    /**
     * A commit a member in another process sent (and maybe saw acknowledged); a possible resume point, but not ordered
     * with the acknowledged ones.
     */
    synchronized void committedRemotely(String member, int generation, int partition, long offset) {
        remoteCommits.add(new Commit(sequence.incrementAndGet(), member, generation, partition, offset));
    }

    synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    synchronized List<Commit> commits() {
        return List.copyOf(commits);
    }

    /** The highest committed offset per partition among the commits appended before {@code seq}. */
    synchronized Map<Integer, Long> committedBefore(long seq) {
        Map<Integer, Long> out = new TreeMap<>();
        for (Commit c : commits) {
            if (c.seq() < seq) {
                out.merge(c.partition(), c.offset(), Math::max);
            }
        }
        return out;
    }

    /** Asserts that every offset below {@code endOffsets} of every partition was delivered at least once. */
    void assertEveryRecordDelivered(Map<Integer, Long> endOffsets) {
        Map<Integer, Set<Long>> seen = new HashMap<>();
        for (Delivery d : deliveries()) {
            seen.computeIfAbsent(d.partition(), p -> new HashSet<>()).add(d.offset());
        }
        endOffsets.forEach((p, end) -> {
            Set<Long> got = seen.getOrDefault(p, Set.of());
            List<Long> missing = new ArrayList<>();
            for (long o = 0; o < end && missing.size() < 20; o++) {
                if (!got.contains(o)) {
                    missing.add(o);
                }
            }
            assertThat(missing)
                    .as("offsets of partition %d never delivered (end %d), first ones", p, end)
                    .isEmpty();
        });
    }

    /** Asserts that no (partition, offset) reached two members, or one member twice, within one generation. */
    void assertNoRecordDeliveredTwiceInAGeneration() {
        Map<String, List<Delivery>> byKey = deliveries().stream()
                .collect(Collectors.groupingBy(d -> d.generation() + "/" + d.partition() + "/" + d.offset()));
        List<List<Delivery>> twice =
                byKey.values().stream().filter(l -> l.size() > 1).limit(10).toList();
        assertThat(twice)
                .as("records delivered more than once within one generation")
                .isEmpty();
    }

    /**
     * Asserts that each member read each partition without gaps and started every stretch of reading at a committed
     * offset: within one (member, generation, partition) the offsets are consecutive, and every such stretch starts at
     * 0, at an offset some member committed for the partition, or right after the same member's previous stretch (a
     * cooperative rebalance keeps a retained partition's position).
     */
    void assertEveryOwnerResumedAtACommittedOffset() {
        Map<Integer, Set<Long>> committed = new HashMap<>();
        List<Commit> all = new ArrayList<>(commits());
        synchronized (this) {
            all.addAll(remoteCommits);
        }
        for (Commit c : all) {
            committed.computeIfAbsent(c.partition(), p -> new TreeSet<>()).add(c.offset());
        }
        Map<String, List<Delivery>> byMemberAndPartition =
                deliveries().stream().collect(Collectors.groupingBy(d -> d.member() + "/" + d.partition()));
        for (List<Delivery> reads : byMemberAndPartition.values()) {
            Delivery previous = null;
            for (Delivery d : reads) {
                if (previous != null && previous.generation() == d.generation()) {
                    assertThat(d.offset())
                            .as("offset after %s within its generation", previous)
                            .isEqualTo(previous.offset() + 1);
                } else {
                    Set<Long> starts = new HashSet<>(committed.getOrDefault(d.partition(), Set.of()));
                    starts.add(0L);
                    if (previous != null) {
                        starts.add(previous.offset() + 1);
                    }
                    assertThat(starts)
                            .as("%s starts a new stretch of reading (previous stretch ended with %s)", d, previous)
                            .contains(d.offset());
                }
                previous = d;
            }
        }
    }

    /** Asserts that the acknowledged commits of each partition, in the order they were acknowledged, never decrease. */
    void assertCommitsNeverMovedBackward() {
        Map<Integer, Commit> last = new HashMap<>();
        for (Commit c : commits()) {
            Commit before = last.put(c.partition(), c);
            if (before != null) {
                assertThat(c.offset()).as("commit %s after %s", c, before).isGreaterThanOrEqualTo(before.offset());
            }
        }
    }
}
