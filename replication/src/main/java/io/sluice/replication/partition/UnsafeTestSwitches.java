package io.sluice.replication.partition;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <strong>DANGER: deliberately broken replication, for tests only.</strong> Each switch re-introduces a known
 * replication bug so that tests can prove the checkers (the replication simulation's, the chaos suite's) catch it: a
 * checker that stays quiet with a switch on is blind to that bug.
 *
 * <p>Every switch is off by default. No configuration key, system property or environment variable reaches this class:
 * the only way to turn a switch on is to call {@link #enable} from code, which only test code does (the replication
 * simulation tests, and the broker launcher {@code io.sluice.broker.it.UnsafeBrokerMain}, which lives in the broker's
 * test sources and is never packaged). Turning one on logs an ERROR. With every switch off the production path costs
 * one volatile read where a switch is consulted.
 *
 * <p>Concurrency: the switches are volatile; flipping one while a broker runs takes effect at the next check.
 */
public final class UnsafeTestSwitches {
    private static final Logger LOG = LoggerFactory.getLogger(UnsafeTestSwitches.class);

    /** The bugs a test can turn on. */
    public enum Switch {
        /**
         * The leader computes its high watermark over the ISR it has just <em>proposed</em> when shrinking it,
         * instead of over the maximal ISR until the controller commits the shrink: a leader that is no longer leader
         * (its shrink will be refused) acknowledges writes that only it holds.
         */
        HW_PAST_UNCOMMITTED_SHRINK,
        /**
         * A replica that becomes follower truncates its log to its own high watermark (the rule before leader epochs,
         * KIP-101), instead of letting the fetcher truncate by leader-epoch divergence: a follower's high watermark
         * lags the leader's, so an in-sync follower drops committed records and may be elected before it fetches them
         * again.
         */
        TRUNCATE_TO_HW;

        /** The switch's name in lists such as {@code hw-past-uncommitted-shrink,truncate-to-hw}. */
        public String externalName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The switch named {@code name} ({@link #externalName()} or the constant's name, any case). */
        public static Optional<Switch> byName(String name) {
            String normalized = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Switch s : values()) {
                if (s.name().equals(normalized)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    static volatile boolean hwPastUncommittedShrink;
    static volatile boolean truncateToHw;

    private UnsafeTestSwitches() {}

    /** Turns {@code s} on or off. Tests only: every caller must turn it off again ({@link #reset()}). */
    public static synchronized void enable(Switch s, boolean on) {
        switch (s) {
            case HW_PAST_UNCOMMITTED_SHRINK -> hwPastUncommittedShrink = on;
            case TRUNCATE_TO_HW -> truncateToHw = on;
        }
        if (on) {
            LOG.error(
                    "UNSAFE test switch {} is ON: replication is deliberately broken in this JVM (tests only)",
                    s.externalName());
        } else {
            LOG.info("Unsafe test switch {} is off", s.externalName());
        }
    }

    /** Turns every switch off. */
    public static synchronized void reset() {
        hwPastUncommittedShrink = false;
        truncateToHw = false;
    }

    /** The switches that are on. */
    public static Set<Switch> enabled() {
        Set<Switch> on = EnumSet.noneOf(Switch.class);
        if (hwPastUncommittedShrink) {
            on.add(Switch.HW_PAST_UNCOMMITTED_SHRINK);
        }
        if (truncateToHw) {
            on.add(Switch.TRUNCATE_TO_HW);
        }
        return on;
    }
}
