package io.sluice.metadata.zk;

import java.util.function.Function;

/**
 * A value read from a znode together with the znode's data version ({@code Stat.version}), the token for a later
 * conditional write.
 *
 * @param value the decoded value
 * @param zkVersion the znode's data version when it was read
 * @param <T> the value type
 */
public record Versioned<T>(T value, int zkVersion) {

    /** The version to expect when creating a znode that must not exist yet (Kafka's {@code ZkVersion.MatchAnyVersion} is -1). */
    public static final int MATCH_ANY_VERSION = -1;

    public <U> Versioned<U> map(Function<? super T, ? extends U> f) {
        return new Versioned<>(f.apply(value), zkVersion);
    }
}
