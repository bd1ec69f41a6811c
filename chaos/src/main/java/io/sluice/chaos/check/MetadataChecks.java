package io.sluice.chaos.check;

import io.sluice.chaos.check.Anomaly.Kind;
import io.sluice.chaos.history.Sample;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of the sampled metadata, one pass over the samples: high watermarks, leader epochs and the controller
 * epoch never go down; one controller per controller epoch; the leader is in the ISR and the ISR within the replicas.
 * A state that stays wrong over many samples is reported once. Unknown fields (-1, null) are skipped. Stateless
 * between calls.
 */
final class MetadataChecks {
    private static final String SAMPLER = "sampler";

    private MetadataChecks() {}

    static void run(HistoryIndex index, Anomalies out) {
        int controllerEpoch = -1;
        Map<Integer, Integer> controllerOfEpoch = new HashMap<>();
        Map<String, long[]> last = new HashMap<>(); // partition -> {highest hw, highest leader epoch}
        Set<String> reported = new HashSet<>();
        for (Sample s : index.samples) {
            if (s.controllerEpoch() >= 0) {
                if (s.controllerEpoch() < controllerEpoch
                        && reported.add("ce " + controllerEpoch + " " + s.controllerEpoch())) {
                    out.add(
                            Kind.CONTROLLER_EPOCH_DECREASED,
                            null,
                            -1,
                            List.of(),
                            s.t(),
                            Anomalies.names(SAMPLER),
                            "controller epoch went from " + controllerEpoch + " down to " + s.controllerEpoch()
                                    + " (controller " + s.controller() + ")");
                }
                controllerEpoch = Math.max(controllerEpoch, s.controllerEpoch());
                if (s.controller() >= 0) {
                    Integer before = controllerOfEpoch.putIfAbsent(s.controllerEpoch(), s.controller());
                    if (before != null && before != s.controller() && reported.add("cc " + s.controllerEpoch())) {
                        out.add(
                                Kind.TWO_CONTROLLERS_IN_EPOCH,
                                null,
                                -1,
                                List.of(),
                                s.t(),
                                Anomalies.names(SAMPLER),
                                "brokers " + before + " and " + s.controller() + " were both controller in epoch "
                                        + s.controllerEpoch());
                    }
                }
            }
            if (s.partitions() == null) {
                continue;
            }
            s.partitions().forEach((partition, p) -> {
                if (p != null) {
                    checkPartition(s.t(), partition, p, last, reported, out);
                }
            });
        }
    }

    private static void checkPartition(
            long t,
            String partition,
            Sample.PartitionSample p,
            Map<String, long[]> last,
            Set<String> reported,
            Anomalies out) {
        long[] highest = last.computeIfAbsent(partition, k -> new long[] {-1, -1});
        if (p.highWatermark() >= 0) {
            if (p.highWatermark() < highest[0]
                    && reported.add("hw " + partition + " " + highest[0] + " " + p.highWatermark())) {
                out.add(
                        Kind.HW_DECREASED,
                        partition,
                        p.highWatermark(),
                        List.of(),
                        t,
                        Anomalies.names(SAMPLER),
                        partition + " high watermark went from " + highest[0] + " down to " + p.highWatermark()
                                + " (leader " + p.leader() + ", epoch " + p.leaderEpoch() + ")");
            }
            highest[0] = Math.max(highest[0], p.highWatermark());
        }
        if (p.leaderEpoch() >= 0) {
            if (p.leaderEpoch() < highest[1]
                    && reported.add("le " + partition + " " + highest[1] + " " + p.leaderEpoch())) {
                out.add(
                        Kind.LEADER_EPOCH_DECREASED,
                        partition,
                        -1,
                        List.of(),
                        t,
                        Anomalies.names(SAMPLER),
                        partition + " leader epoch went from " + highest[1] + " down to " + p.leaderEpoch()
                                + " (leader " + p.leader() + ")");
            }
            highest[1] = Math.max(highest[1], p.leaderEpoch());
        }
        List<Integer> isr = p.isr();
        if (p.leader() >= 0
                && isr != null
                && !isr.contains(p.leader())
                && reported.add("li " + partition + " " + p.leaderEpoch() + " " + p.leader() + " " + isr)) {
            out.add(
                    Kind.LEADER_NOT_IN_ISR,
                    partition,
                    -1,
                    List.of(),
                    t,
                    Anomalies.names(SAMPLER),
                    partition + " leader " + p.leader() + " (epoch " + p.leaderEpoch() + ") is not in its ISR " + isr);
        }
        if (isr != null
                && p.replicas() != null
                && !p.replicas().containsAll(isr)
                && reported.add("ir " + partition + " " + isr + " " + p.replicas())) {
            out.add(
                    Kind.ISR_NOT_IN_REPLICAS,
                    partition,
                    -1,
                    List.of(),
                    t,
                    Anomalies.names(SAMPLER),
                    partition + " ISR " + isr + " is not within its replicas " + p.replicas());
        }
    }
}
