package io.sluice.broker.quota;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.metadata.zk.ZkDataException;
import io.sluice.metadata.zk.ZkStoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeClientQuotas v0–1 and AlterClientQuotas v0–1 over {@link QuotaStore}, with Kafka's ZooKeeper-mode checks:
 * entity types {@code user} and {@code client-id} (a null name is the {@code <default>} entity), each at most once;
 * quota keys {@code producer_byte_rate}, {@code consumer_byte_rate}, {@code request_percentage} and
 * {@code controller_mutation_rate}, positive, byte rates whole numbers. Anything else is {@code INVALID_REQUEST} with
 * a message naming what is wrong; an {@code ip} entity is refused the same way (connection-rate quotas are not
 * supported). Describe reads ZooKeeper afresh, so it shows what another broker wrote a moment ago.
 */
public final class ClientQuotaHandlers {
    private static final Logger log = LoggerFactory.getLogger(ClientQuotaHandlers.class);

    private static final byte MATCH_EXACT = 0;
    private static final byte MATCH_DEFAULT = 1;
    private static final byte MATCH_SPECIFIED = 2;

    private ClientQuotaHandlers() {}

    public static List<ApiHandler<?>> all(QuotaStore store) {
        return List.of(new Describe(store), new Alter(store));
    }

    /** A request's entity, or the reason it is invalid. */
    static QuotaEntity entity(List<AlterClientQuotasRequestData.EntityData> parts) {
        String user = null;
        String client = null;
        boolean sawUser = false;
        boolean sawClient = false;
        for (AlterClientQuotasRequestData.EntityData part : parts) {
            String name = part.entityName() == null ? QuotaEntity.DEFAULT : part.entityName();
            switch (part.entityType()) {
                case QuotaEntity.USER_TYPE -> {
                    if (sawUser) {
                        throw new InvalidQuotaException("Duplicate user entity type in the quota entity");
                    }
                    sawUser = true;
                    user = name;
                }
                case QuotaEntity.CLIENT_ID_TYPE -> {
                    if (sawClient) {
                        throw new InvalidQuotaException("Duplicate client-id entity type in the quota entity");
                    }
                    sawClient = true;
                    client = name;
                }
                default ->
                    throw new InvalidQuotaException("Unsupported quota entity type " + part.entityType()
                            + " (supported: " + QuotaEntity.USER_TYPE + ", " + QuotaEntity.CLIENT_ID_TYPE + ")");
            }
        }
        if (!sawUser && !sawClient) {
            throw new InvalidQuotaException("The quota entity names no user and no client-id");
        }
        if ("".equals(user) || "".equals(client)) {
            throw new InvalidQuotaException("Empty entity name in the quota entity (use null for the default)");
        }
        return new QuotaEntity(user, client);
    }

    /** Checks one alteration: a known quota key and, when set, a valid value. */
    static void checkOp(AlterClientQuotasRequestData.OpData op) {
        QuotaType type = QuotaType.ofKey(op.key())
                .orElseThrow(() -> new InvalidQuotaException("Invalid configuration key " + op.key()
                        + " for a client quota (valid keys: producer_byte_rate, consumer_byte_rate,"
                        + " request_percentage, controller_mutation_rate)"));
        if (op.remove()) {
            return;
        }
        double v = op.value();
        if (Double.isNaN(v) || Double.isInfinite(v) || v <= 0) {
            throw new InvalidQuotaException("Invalid value " + v + " for " + op.key() + ": must be positive");
        }
        if (type.wholeNumber() && (v != Math.rint(v) || v > Long.MAX_VALUE)) {
            throw new InvalidQuotaException("Invalid value " + v + " for " + op.key() + ": must be a whole number");
        }
    }

    /** A request that Kafka answers with INVALID_REQUEST. */
    static final class InvalidQuotaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidQuotaException(String message) {
            super(message);
        }
    }

    static final class Describe implements ApiHandler<DescribeClientQuotasRequestData> {
        private final QuotaStore store;

        Describe(QuotaStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 1;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, DescribeClientQuotasRequestData request) {
            DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
            Map<String, DescribeClientQuotasRequestData.ComponentData> filters = new HashMap<>();
            for (DescribeClientQuotasRequestData.ComponentData c : request.components()) {
                String error = null;
                if (!c.entityType().equals(QuotaEntity.USER_TYPE)
                        && !c.entityType().equals(QuotaEntity.CLIENT_ID_TYPE)) {
                    error = "Unsupported quota entity type " + c.entityType();
                } else if (filters.put(c.entityType(), c) != null) {
                    error = "Duplicate filter component entity type " + c.entityType();
                } else if (c.matchType() < MATCH_EXACT || c.matchType() > MATCH_SPECIFIED) {
                    error = "Unknown match type " + c.matchType();
                } else if (c.matchType() == MATCH_EXACT && c.match() == null) {
                    error = "An exact match needs a name";
                }
                if (error != null) {
                    return done(
                            response.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(error));
                }
            }
            Map<QuotaEntity, Map<String, Double>> all;
            try {
                all = store.readAll();
            } catch (ZkStoreException e) {
                log.warn("DescribeClientQuotas for {} failed: {}", context, e.getMessage());
                return done(response.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code())
                        .setErrorMessage("reading quotas from ZooKeeper failed"));
            }
            all.forEach((entity, values) -> {
                if (matches(filters, QuotaEntity.USER_TYPE, entity.user(), request.strict())
                        && matches(filters, QuotaEntity.CLIENT_ID_TYPE, entity.clientId(), request.strict())) {
                    response.entries().add(entry(entity, values));
                }
            });
            return done(response);
        }

        private static boolean matches(
                Map<String, DescribeClientQuotasRequestData.ComponentData> filters,
                String type,
                String name,
                boolean strict) {
            DescribeClientQuotasRequestData.ComponentData c = filters.get(type);
            if (c == null) {
                return name == null || !strict;
            }
            if (name == null) {
                return false;
            }
            return switch (c.matchType()) {
                case MATCH_EXACT -> name.equals(c.match()) && !QuotaEntity.DEFAULT.equals(name);
                case MATCH_DEFAULT -> QuotaEntity.DEFAULT.equals(name);
                default -> true;
            };
        }

        private static DescribeClientQuotasResponseData.EntryData entry(
                QuotaEntity entity, Map<String, Double> values) {
            DescribeClientQuotasResponseData.EntryData entry = new DescribeClientQuotasResponseData.EntryData();
            if (entity.user() != null) {
                entry.entity()
                        .add(new DescribeClientQuotasResponseData.EntityData()
                                .setEntityType(QuotaEntity.USER_TYPE)
                                .setEntityName(wireName(entity.user())));
            }
            if (entity.clientId() != null) {
                entry.entity()
                        .add(new DescribeClientQuotasResponseData.EntityData()
                                .setEntityType(QuotaEntity.CLIENT_ID_TYPE)
                                .setEntityName(wireName(entity.clientId())));
            }
            values.forEach((key, value) -> entry.values()
                    .add(new DescribeClientQuotasResponseData.ValueData()
                            .setKey(key)
                            .setValue(value)));
            return entry;
        }

        private static String wireName(String name) {
            return QuotaEntity.DEFAULT.equals(name) ? null : name;
        }
    }

    static final class Alter implements ApiHandler<AlterClientQuotasRequestData> {
        private final QuotaStore store;

        Alter(QuotaStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.ALTER_CLIENT_QUOTAS;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 1;
        }

        @Override
        public CompletionStage<ApiResponse> handle(RequestContext context, AlterClientQuotasRequestData request) {
            AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
            for (AlterClientQuotasRequestData.EntryData entry : request.entries()) {
                AlterClientQuotasResponseData.EntryData result = new AlterClientQuotasResponseData.EntryData();
                entry.entity()
                        .forEach(e -> result.entity()
                                .add(new AlterClientQuotasResponseData.EntityData()
                                        .setEntityType(e.entityType())
                                        .setEntityName(e.entityName())));
                try {
                    QuotaEntity entity = entity(entry.entity());
                    List<String> seen = new ArrayList<>();
                    for (AlterClientQuotasRequestData.OpData op : entry.ops()) {
                        checkOp(op);
                        if (seen.contains(op.key())) {
                            throw new InvalidQuotaException("Duplicate quota key " + op.key());
                        }
                        seen.add(op.key());
                    }
                    if (!request.validateOnly() && !entry.ops().isEmpty()) {
                        store.update(entity, current -> {
                            Map<String, String> next = new HashMap<>(current);
                            for (AlterClientQuotasRequestData.OpData op : entry.ops()) {
                                if (op.remove()) {
                                    next.remove(op.key());
                                } else {
                                    next.put(op.key(), format(op.value()));
                                }
                            }
                            return next;
                        });
                        log.info("{} altered client quotas of {}: {}", context.principal(), entity, entry.ops());
                    }
                    result.setErrorCode(Errors.NONE.code());
                } catch (InvalidQuotaException e) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
                } catch (ConfigEntityStore.ConcurrentConfigUpdateException | ZkDataException | ZkStoreException e) {
                    log.warn("AlterClientQuotas of {} for {} failed: {}", entry.entity(), context, e.getMessage());
                    result.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage(e.getMessage());
                }
                response.entries().add(result);
            }
            return done(response);
        }

        /** Kafka stores byte rates as longs ("1048576") and percentages as doubles ("200.0"). */
        private static String format(double value) {
            return value == Math.rint(value) && Math.abs(value) < 1e15
                    ? Long.toString((long) value)
                    : Double.toString(value);
        }
    }

    private static CompletionStage<ApiResponse> done(org.apache.kafka.common.protocol.ApiMessage message) {
        return CompletableFuture.completedFuture(ApiResponse.of(message));
    }
}
