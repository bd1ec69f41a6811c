package io.sluice.broker.group.store;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.StoredGroup;
import io.sluice.broker.group.StoredMember;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Encodes and decodes the keys and values of {@code __consumer_offsets} records in the layout documented on
 * {@link LogGroupStore} (Kafka's layout: offset-commit keys v0/v1, group keys v2, offset values v0-v3, group values
 * v0-v3). All integers are big-endian.
 *
 * <p>Thread-safety: stateless.
 */
final class GroupRecordCodec {
    static final short OFFSET_KEY_V0 = 0;
    static final short OFFSET_KEY_V1 = 1;
    static final short GROUP_KEY_V2 = 2;

    /** The offset value written when the commit has an explicit expiry (it has no leader epoch field). */
    static final short OFFSET_VALUE_WITH_EXPIRY = 1;
    /** The offset value written otherwise. */
    static final short OFFSET_VALUE_LATEST = 3;

    static final short GROUP_VALUE_LATEST = 3;

    private static final int NO_EPOCH = -1;
    private static final long NO_TIMESTAMP = -1L;

    private GroupRecordCodec() {}

    /** A decoded record key. */
    sealed interface Key permits OffsetKey, GroupKey {
        String groupId();
    }

    /** The key of a committed offset: (group, topic, partition). */
    record OffsetKey(String groupId, TopicPartition topicPartition) implements Key {}

    /** The key of a group's metadata: (group). */
    record GroupKey(String groupId) implements Key {}

    /** A key or value the codec cannot read: an unknown version, or bytes that end early. */
    static final class MalformedRecordException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedRecordException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ keys

    static byte[] offsetKey(String groupId, TopicPartition tp) {
        Writer w = new Writer();
        w.putShort(OFFSET_KEY_V1);
        w.putString(groupId);
        w.putString(tp.topic());
        w.putInt(tp.partition());
        return w.toBytes();
    }

    static byte[] groupKey(String groupId) {
        Writer w = new Writer();
        w.putShort(GROUP_KEY_V2);
        w.putString(groupId);
        return w.toBytes();
    }

    static Key readKey(ByteBuffer key) {
        return decode("key", key, in -> {
            short version = in.getShort();
            return switch (version) {
                case OFFSET_KEY_V0, OFFSET_KEY_V1 -> {
                    String group = readString(in);
                    String topic = readString(in);
                    yield new OffsetKey(group, new TopicPartition(topic, in.getInt()));
                }
                case GROUP_KEY_V2 -> new GroupKey(readString(in));
                default -> throw new MalformedRecordException("unknown key version " + version);
            };
        });
    }

    // ------------------------------------------------------------------ offset values

    static byte[] offsetValue(CommittedOffset offset) {
        Writer w = new Writer();
        if (offset.expireTimestampMs() != NO_TIMESTAMP) {
            w.putShort(OFFSET_VALUE_WITH_EXPIRY);
            w.putLong(offset.offset());
            w.putString(offset.metadata());
            w.putLong(offset.commitTimestampMs());
            w.putLong(offset.expireTimestampMs());
        } else {
            w.putShort(OFFSET_VALUE_LATEST);
            w.putLong(offset.offset());
            w.putInt(offset.leaderEpoch());
            w.putString(offset.metadata());
            w.putLong(offset.commitTimestampMs());
        }
        return w.toBytes();
    }

    static CommittedOffset readOffsetValue(ByteBuffer value) {
        return decode("offset value", value, in -> {
            short version = in.getShort();
            switch (version) {
                case 0, 2 -> {
                    long offset = in.getLong();
                    String metadata = readString(in);
                    return new CommittedOffset(offset, NO_EPOCH, metadata, in.getLong(), NO_TIMESTAMP);
                }
                case 1 -> {
                    long offset = in.getLong();
                    String metadata = readString(in);
                    long commit = in.getLong();
                    return new CommittedOffset(offset, NO_EPOCH, metadata, commit, in.getLong());
                }
                case 3 -> {
                    long offset = in.getLong();
                    int leaderEpoch = in.getInt();
                    String metadata = readString(in);
                    return new CommittedOffset(offset, leaderEpoch, metadata, in.getLong(), NO_TIMESTAMP);
                }
                default -> throw new MalformedRecordException("unknown offset value version " + version);
            }
        });
    }

    // ------------------------------------------------------------------ group values

    static byte[] groupValue(StoredGroup group) {
        Writer w = new Writer();
        w.putShort(GROUP_VALUE_LATEST);
        w.putString(group.protocolType());
        w.putInt(group.generationId());
        w.putNullableString(group.protocolName().orElse(null));
        w.putNullableString(group.leaderId().orElse(null));
        w.putLong(group.currentStateTimestampMs());
        w.putInt(group.members().size());
        for (StoredMember m : group.members()) {
            w.putString(m.memberId());
            w.putNullableString(m.groupInstanceId().orElse(null));
            w.putString(m.clientId());
            w.putString(m.clientHost());
            w.putInt(m.rebalanceTimeoutMs());
            w.putInt(m.sessionTimeoutMs());
            w.putBytes(m.subscription());
            w.putBytes(m.assignment());
        }
        return w.toBytes();
    }

    static StoredGroup readGroupValue(String groupId, ByteBuffer value) {
        return decode("group value", value, in -> {
            short version = in.getShort();
            if (version < 0 || version > GROUP_VALUE_LATEST) {
                throw new MalformedRecordException("unknown group value version " + version);
            }
            String protocolType = readString(in);
            int generation = in.getInt();
            Optional<String> protocol = Optional.ofNullable(readNullableString(in));
            Optional<String> leader = Optional.ofNullable(readNullableString(in));
            long stateTimestamp = version >= 2 ? in.getLong() : NO_TIMESTAMP;
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new MalformedRecordException("invalid member count " + count);
            }
            List<StoredMember> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String memberId = readString(in);
                Optional<String> instanceId =
                        version >= 3 ? Optional.ofNullable(readNullableString(in)) : Optional.empty();
                String clientId = readString(in);
                String clientHost = readString(in);
                int rebalanceTimeout = version >= 1 ? in.getInt() : -1;
                int sessionTimeout = in.getInt();
                byte[] subscription = readBytes(in);
                byte[] assignment = readBytes(in);
                members.add(new StoredMember(
                        memberId,
                        instanceId,
                        clientId,
                        clientHost,
                        // v0 has no rebalance timeout: Kafka takes the session timeout
                        rebalanceTimeout == -1 ? sessionTimeout : rebalanceTimeout,
                        sessionTimeout,
                        subscription,
                        assignment));
            }
            return new StoredGroup(groupId, protocolType, generation, protocol, leader, stateTimestamp, members);
        });
    }

    // ------------------------------------------------------------------ primitives

    private interface Decoder<T> {
        T decode(ByteBuffer in);
    }

    private static <T> T decode(String what, ByteBuffer bytes, Decoder<T> decoder) {
        ByteBuffer in = bytes.duplicate();
        try {
            return decoder.decode(in);
        } catch (BufferUnderflowException e) {
            throw new MalformedRecordException(what + " ends early (" + bytes.remaining() + " bytes)");
        }
    }

    private static String readString(ByteBuffer in) {
        String s = readNullableString(in);
        if (s == null) {
            throw new MalformedRecordException("null where a string is required");
        }
        return s;
    }

    private static String readNullableString(ByteBuffer in) {
        short length = in.getShort();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new MalformedRecordException("invalid string length " + length);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new MalformedRecordException("invalid bytes length " + length);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /** A growable big-endian writer. */
    private static final class Writer {
        private ByteBuffer buffer = ByteBuffer.allocate(64);

        void putShort(short v) {
            ensure(Short.BYTES).putShort(v);
        }

        void putInt(int v) {
            ensure(Integer.BYTES).putInt(v);
        }

        void putLong(long v) {
            ensure(Long.BYTES).putLong(v);
        }

        void putString(String s) {
            putNullableString(Objects.requireNonNull(s, "string"));
        }

        void putNullableString(String s) {
            if (s == null) {
                putShort((short) -1);
                return;
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "string of " + bytes.length + " bytes is longer than " + Short.MAX_VALUE);
            }
            putShort((short) bytes.length);
            ensure(bytes.length).put(bytes);
        }

        void putBytes(byte[] bytes) {
            putInt(bytes.length);
            ensure(bytes.length).put(bytes);
        }

        private ByteBuffer ensure(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
            return buffer;
        }

        byte[] toBytes() {
            byte[] out = new byte[buffer.position()];
            buffer.flip();
            buffer.get(out);
            return out;
        }
    }
}
