package io.sluice.broker.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test of the class against a fresh {@link InJvmCluster}, closed after the test: the extension sets every
 * {@code InJvmCluster} field of the test instance and resolves {@code InJvmCluster} parameters of test and lifecycle
 * methods. With a {@link #topic()} it also creates that topic and waits until every partition has its full ISR.
 *
 * <pre>{@code
 * @SluiceCluster(brokers = 3, overrides = "replica.lag.time.max.ms=8000", topic = "orders", partitions = 3)
 * class OrdersIT {
 *     private InJvmCluster cluster;
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SluiceClusterExtension.class)
public @interface SluiceCluster {
    /**
     * Whether the extension starts the cluster; {@code false} when the test starts its own into its
     * {@code InJvmCluster} field (with settings known only at run time, such as a free port): the extension then only
     * closes it after the test.
     */
    boolean start() default true;

    int brokers() default 3;

    /** Broker {@code i}'s rack is {@code racks[i - 1]}; brokers beyond the array have none. */
    String[] racks() default {};

    /** Broker settings as {@code key=value}, applied to every broker (they win over the cluster's test defaults). */
    String[] overrides() default {};

    /** A topic to create before each test; none if empty. */
    String topic() default "";

    int partitions() default 1;

    /** The topic's replication factor; every broker if 0. */
    int replicationFactor() default 0;

    /** The topic's configs as {@code key=value}. */
    String[] topicConfigs() default {};
}
