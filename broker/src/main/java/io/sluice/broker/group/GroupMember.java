package io.sluice.broker.group;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a classic group: its protocols, assignment and the join/sync requests it is waiting on.
 *
 * <p>Concurrency: not thread-safe; every field is guarded by the lock of the {@link ClassicGroup} holding it.
 */
final class GroupMember {
    static final byte[] EMPTY = new byte[0];

    final String memberId;
    final Optional<String> groupInstanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    String protocolType;
    /** Protocol name to metadata, in the member's order of preference. */
    Map<String, byte[]> protocols;

    byte[] assignment = EMPTY;
    CompletableFuture<JoinResult> awaitingJoin;
    CompletableFuture<SyncResult> awaitingSync;
    /** Joined during the current rebalance for the first time (expires with the new-member timeout). */
    boolean isNew;
    /** The member's pending heartbeat expiry; replaced on every heartbeat. */
    GroupScheduler.Cancellable heartbeatTimer;
    /** Incremented whenever the heartbeat timer is replaced, so a stale expiry recognises itself. */
    long heartbeatSequence;

    GroupMember(
            String memberId,
            Optional<String> groupInstanceId,
            String clientId,
            String clientHost,
            int rebalanceTimeoutMs,
            int sessionTimeoutMs,
            String protocolType,
            Map<String, byte[]> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = new LinkedHashMap<>(protocols);
    }

    boolean isStatic() {
        return groupInstanceId.isPresent();
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    boolean isAwaitingSync() {
        return awaitingSync != null;
    }

    /** The metadata this member sent for {@code protocol}, empty if it does not support it. */
    byte[] metadata(String protocol) {
        byte[] metadata = protocol == null ? null : protocols.get(protocol);
        return metadata == null ? EMPTY : metadata;
    }

    /** Whether {@code other} names the same protocols with the same metadata in the same order. */
    boolean matches(Map<String, byte[]> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        var mine = protocols.entrySet().iterator();
        for (Map.Entry<String, byte[]> theirs : other.entrySet()) {
            Map.Entry<String, byte[]> entry = mine.next();
            if (!entry.getKey().equals(theirs.getKey()) || !Arrays.equals(entry.getValue(), theirs.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The first of this member's protocols that is among {@code candidates}. */
    String vote(Set<String> candidates) {
        for (String protocol : protocols.keySet()) {
            if (candidates.contains(protocol)) {
                return protocol;
            }
        }
        throw new IllegalStateException("member " + memberId + " supports none of " + candidates);
    }

    void cancelHeartbeat() {
        if (heartbeatTimer != null) {
            heartbeatTimer.cancel();
            heartbeatTimer = null;
        }
    }
}
