package io.sluice.broker.it;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link SluiceCluster}: starts the cluster before each test (before the class's own
 * {@code @BeforeEach} methods), injects it, and closes it after the test (after the class's {@code @AfterEach}).
 */
public final class SluiceClusterExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SluiceClusterExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        SluiceCluster spec = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), SluiceCluster.class)
                .orElseThrow(() -> new IllegalStateException("no @SluiceCluster on " + context.getRequiredTestClass()));
        if (!spec.start()) {
            return;
        }
        InJvmCluster cluster = InJvmCluster.start(spec.brokers(), settings(spec.overrides()), List.of(spec.racks()));
        context.getStore(NAMESPACE).put(InJvmCluster.class, cluster);
        if (!spec.topic().isEmpty()) {
            int replicationFactor = spec.replicationFactor() > 0 ? spec.replicationFactor() : spec.brokers();
            cluster.createTopicAndAwaitFullIsr(
                    spec.topic(), spec.partitions(), replicationFactor, settings(spec.topicConfigs()));
        }
        for (Field field : clusterFields(context)) {
            field.set(context.getRequiredTestInstance(), cluster);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IllegalAccessException {
        InJvmCluster cluster = context.getStore(NAMESPACE).remove(InJvmCluster.class, InJvmCluster.class);
        if (cluster != null) {
            cluster.close();
            return;
        }
        // a cluster the test started itself
        for (Field field : clusterFields(context)) {
            if (field.get(context.getRequiredTestInstance()) instanceof InJvmCluster own) {
                own.close();
            }
        }
    }

    /** The test instance's non-static {@code InJvmCluster} fields, accessible. */
    private static List<Field> clusterFields(ExtensionContext context) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> type = context.getRequiredTestClass(); type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (field.getType() == InJvmCluster.class && !Modifier.isStatic(field.getModifiers())) {
                    field.setAccessible(true);
                    fields.add(field);
                }
            }
        }
        return fields;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == InJvmCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        InJvmCluster cluster = context.getStore(NAMESPACE).get(InJvmCluster.class, InJvmCluster.class);
        if (cluster == null) {
            throw new IllegalStateException("the cluster exists only around a test method");
        }
        return cluster;
    }

    /** {@code key=value} pairs as a map, in order. */
    static Map<String, String> settings(String[] pairs) {
        Map<String, String> settings = new LinkedHashMap<>();
        Arrays.stream(pairs).forEach(pair -> {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not key=value: " + pair);
            }
            settings.put(pair.substring(0, eq), pair.substring(eq + 1));
        });
        return settings;
    }
}
