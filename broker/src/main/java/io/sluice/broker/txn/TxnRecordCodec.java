package io.sluice.broker.txn;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's {@code __transaction_state} record layout (TransactionLogKey v0, TransactionLogValue v0), big-endian,
 * strings as int16 length + UTF-8, arrays as int32 count + elements:
 *
 * <pre>
 * key:   version int16 = 0 | transactional_id string
 * value: version int16 = 0 | producer_id int64 | producer_epoch int16 | transaction_timeout_ms int32
 *        | transaction_status int8 ({@link TxnState#id()})
 *        | transaction_partitions array of { topic string | partition_ids array of int32 } (null: count -1)
 *        | transaction_last_update_timestamp_ms int64 | transaction_start_timestamp_ms int64
 * </pre>
 *
 * A record without a value (tombstone) deletes the id. Value version 1 (flexible, tagged fields) is not read.
 *
 * <p>Thread-safety: stateless.
 */
public final class TxnRecordCodec {
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 0;

    private TxnRecordCodec() {}

    /** The key of {@code transactionalId}. */
    public static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(2 + 2 + id.length);
        buffer.putShort(KEY_VERSION);
        buffer.putShort((short) id.length);
        buffer.put(id);
        return buffer.array();
    }

    /** The transactional id of a key. */
    public static String decodeKey(ByteBuffer key) {
        ByteBuffer buffer = key.duplicate();
        short version = buffer.getShort();
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("unsupported transaction log key version " + version);
        }
        return readString(buffer);
    }

    /** The value of {@code md}. */
    public static byte[] value(TxnMetadata md) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : md.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += 2
                    + e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + 4
                    + 4 * e.getValue().size();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putShort(VALUE_VERSION);
        buffer.putLong(md.producerId());
        buffer.putShort(md.producerEpoch());
        buffer.putInt(md.timeoutMs());
        buffer.put(md.state().id());
        buffer.putInt(byTopic.size());
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            byte[] topic = e.getKey().getBytes(StandardCharsets.UTF_8);
            buffer.putShort((short) topic.length);
            buffer.put(topic);
            List<Integer> partitions = e.getValue();
            partitions.sort(null);
            buffer.putInt(partitions.size());
            partitions.forEach(buffer::putInt);
        }
        buffer.putLong(md.lastUpdateTimestampMs());
        buffer.putLong(md.startTimestampMs());
        return buffer.array();
    }

    /** Decodes a value of {@code transactionalId}. */
    public static TxnMetadata decodeValue(String transactionalId, ByteBuffer value) {
        ByteBuffer buffer = value.duplicate();
        short version = buffer.getShort();
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("unsupported transaction log value version " + version);
        }
        long producerId = buffer.getLong();
        short epoch = buffer.getShort();
        int timeoutMs = buffer.getInt();
        TxnState state = TxnState.fromId(buffer.get());
        int topics = buffer.getInt();
        Set<TopicPartition> partitions = new HashSet<>();
        for (int t = 0; t < topics; t++) {
            String topic = readString(buffer);
            int count = buffer.getInt();
            for (int i = 0; i < count; i++) {
                partitions.add(new TopicPartition(topic, buffer.getInt()));
            }
        }
        long lastUpdate = buffer.getLong();
        long start = buffer.getLong();
        return new TxnMetadata(transactionalId, producerId, epoch, timeoutMs, state, partitions, start, lastUpdate);
    }

    private static String readString(ByteBuffer buffer) {
        short length = buffer.getShort();
        if (length < 0) {
            throw new IllegalArgumentException("null string in a transaction log record");
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
