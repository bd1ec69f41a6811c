package io.sluice.broker.control;

import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences the controller's requests (docs/design.md#controller-fencing): remembers the highest controller epoch seen and rejects
 *
 * <ul>
 *   <li>a request whose {@code brokerEpoch} is older than this broker's current registration with
 *       {@code STALE_BROKER_EPOCH} (it was meant for an earlier incarnation of this broker; {@code -1} means "not
 *       set" and is accepted, as in Kafka);
 *   <li>a request whose controller epoch is lower than the highest seen with {@code STALE_CONTROLLER_EPOCH} (it comes
 *       from a deposed controller).
 * </ul>
 *
 * An accepted request raises the tracked epoch. The check and the request's effect run under one lock, so two
 * controllers' requests cannot interleave between check and apply.
 *
 * <p>Concurrency: every method is guarded by the tracker's monitor; {@link #fenced} holds it while the accepted
 * action runs (the control-request lock; nothing else may be locked before it).
 */
public final class ControllerEpochTracker {
    private static final Logger log = LoggerFactory.getLogger(ControllerEpochTracker.class);

    /** A broker epoch in a request meaning "not set". */
    public static final long UNSET_BROKER_EPOCH = -1L;

    private final String logPrefix;
    private final LongSupplier currentBrokerEpoch;
    private int controllerEpoch = -1;
    private int controllerId = -1;

    /** @param currentBrokerEpoch this broker's current epoch (the registration's czxid) */
    public ControllerEpochTracker(int localBrokerId, LongSupplier currentBrokerEpoch) {
        this.logPrefix = "[ControllerEpochTracker broker=" + localBrokerId + "]";
        this.currentBrokerEpoch = currentBrokerEpoch;
    }

    /** The highest controller epoch accepted so far, {@code -1} before any. */
    public synchronized int controllerEpoch() {
        return controllerEpoch;
    }

    /** The id of the controller whose request raised the epoch last, {@code -1} before any. */
    public synchronized int controllerId() {
        return controllerId;
    }

    /**
     * Checks a control request and, if it is accepted, raises the epoch and runs {@code onAccepted} under the lock.
     *
     * @param api the request name, for logs
     * @return the result of {@code onAccepted}, or of {@code onRejected} with the fencing error
     */
    public synchronized <T> T fenced(
            String api,
            int requestControllerId,
            int requestControllerEpoch,
            long requestBrokerEpoch,
            Supplier<T> onAccepted,
            Function<Errors, T> onRejected) {
        Errors error = check(requestControllerEpoch, requestBrokerEpoch);
        if (error != Errors.NONE) {
            log.warn(
                    "{} rejected {} from controller {} with controller epoch {} and broker epoch {}: {} (current"
                            + " controller epoch {}, broker epoch {})",
                    logPrefix,
                    api,
                    requestControllerId,
                    requestControllerEpoch,
                    requestBrokerEpoch,
                    error,
                    controllerEpoch,
                    currentBrokerEpoch.getAsLong());
            return onRejected.apply(error);
        }
        if (requestControllerEpoch > controllerEpoch) {
            log.info(
                    "{} controller epoch {} -> {} (controller {}, via {})",
                    logPrefix,
                    controllerEpoch,
                    requestControllerEpoch,
                    requestControllerId,
                    api);
            controllerEpoch = requestControllerEpoch;
        }
        controllerId = requestControllerId;
        return onAccepted.get();
    }

    private Errors check(int requestControllerEpoch, long requestBrokerEpoch) {
        if (requestBrokerEpoch != UNSET_BROKER_EPOCH && requestBrokerEpoch < currentBrokerEpoch.getAsLong()) {
            return Errors.STALE_BROKER_EPOCH;
        }
        if (requestControllerEpoch < controllerEpoch) {
            return Errors.STALE_CONTROLLER_EPOCH;
        }
        return Errors.NONE;
    }
}
