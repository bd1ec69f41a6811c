package io.sluice.controller.assignment;

import java.util.Objects;
import java.util.Optional;

/**
 * What the placer needs to know about one live broker: its id and its {@code broker.rack}, if set.
 *
 * @param id the broker id, non-negative
 * @param rack the broker's rack, empty when {@code broker.rack} is not set
 */
public record BrokerPlacementInfo(int id, Optional<String> rack) {

    public BrokerPlacementInfo {
        if (id < 0) {
            throw new IllegalArgumentException("broker id must be non-negative: " + id);
        }
        Objects.requireNonNull(rack, "rack");
        if (rack.isPresent() && rack.get().isBlank()) {
            throw new IllegalArgumentException("rack of broker " + id + " must not be blank");
        }
    }

    /** A broker on the given rack. */
    public static BrokerPlacementInfo onRack(int id, String rack) {
        return new BrokerPlacementInfo(id, Optional.of(rack));
    }

    /** A broker without {@code broker.rack}. */
    public static BrokerPlacementInfo withoutRack(int id) {
        return new BrokerPlacementInfo(id, Optional.empty());
    }
}
