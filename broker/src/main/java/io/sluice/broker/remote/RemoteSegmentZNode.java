package io.sluice.broker.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata.CustomMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;

/**
 * {@code /remote_log_metadata/<topic id>/<partition>/<segment id>}: the metadata of one remote segment, in its latest
 * state, as JSON:
 *
 * <pre>
 * {"version":1,"topic":"t","start":0,"end":99,"maxTimestampMs":1700000000000,"brokerId":1,
 *  "eventTimestampMs":1700000000001,"sizeInBytes":1048576,"epochs":{"0":0,"3":57},
 *  "state":"COPY_SEGMENT_FINISHED","custom":"&lt;base64, optional&gt;"}
 * </pre>
 *
 * The topic name is stored because a {@link TopicIdPartition} carries it. Writes are compare-and-set on the znode's
 * version (the partition's leader is the only writer, but a deposed one may still be finishing a copy).
 */
final class RemoteSegmentZNode {
    static final String ROOT = "/remote_log_metadata";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RemoteSegmentZNode() {}

    static String partitionPath(TopicIdPartition tip) {
        return ROOT + "/" + tip.topicId() + "/" + tip.partition();
    }

    static String path(RemoteLogSegmentId id) {
        return partitionPath(id.topicIdPartition()) + "/" + id.id();
    }

    static byte[] encode(RemoteLogSegmentMetadata m) {
        ObjectNode node = JSON.createObjectNode();
        node.put("version", 1);
        node.put("topic", m.topicIdPartition().topic());
        node.put("start", m.startOffset());
        node.put("end", m.endOffset());
        node.put("maxTimestampMs", m.maxTimestampMs());
        node.put("brokerId", m.brokerId());
        node.put("eventTimestampMs", m.eventTimestampMs());
        node.put("sizeInBytes", m.segmentSizeInBytes());
        ObjectNode epochs = node.putObject("epochs");
        m.segmentLeaderEpochs().forEach((epoch, offset) -> epochs.put(String.valueOf(epoch), offset));
        node.put("state", m.state().name());
        m.customMetadata().ifPresent(c -> node.put("custom", Base64.getEncoder().encodeToString(c.value())));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + m, e);
        }
    }

    static RemoteLogSegmentMetadata decode(Uuid topicId, int partition, String segmentId, byte[] data)
            throws IOException {
        JsonNode node = JSON.readTree(data);
        if (node == null || node.path("version").asInt() != 1) {
            throw new IOException("unknown remote segment metadata version in " + segmentId);
        }
        TopicIdPartition tip =
                new TopicIdPartition(topicId, partition, node.path("topic").asText());
        Map<Integer, Long> epochs = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.path("epochs").properties()) {
            epochs.put(Integer.parseInt(e.getKey()), e.getValue().asLong());
        }
        Optional<CustomMetadata> custom = node.hasNonNull("custom")
                ? Optional.of(new CustomMetadata(
                        Base64.getDecoder().decode(node.get("custom").asText())))
                : Optional.empty();
        return new RemoteLogSegmentMetadata(
                new RemoteLogSegmentId(tip, Uuid.fromString(segmentId)),
                node.path("start").asLong(),
                node.path("end").asLong(),
                node.path("maxTimestampMs").asLong(),
                node.path("brokerId").asInt(),
                node.path("eventTimestampMs").asLong(),
                node.path("sizeInBytes").asInt(),
                custom,
                RemoteLogSegmentState.valueOf(node.path("state").asText()),
                epochs);
    }
}
