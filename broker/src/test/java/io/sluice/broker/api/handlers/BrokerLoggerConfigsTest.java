package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.describe;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.entry;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.resource;
import static io.sluice.broker.api.handlers.DescribeConfigsHandlerTest.source;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.sluice.broker.config.ConfigEntityStore;
import io.sluice.broker.config.ConfigManager;
import io.sluice.broker.config.ConfigTestFixture;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** BROKER_LOGGER: a broker's log levels described and changed at run time, as kafka-configs.sh broker-loggers does. */
@Timeout(60)
class BrokerLoggerConfigsTest {
    private static final ConfigResource LOGGERS =
            new ConfigResource(ConfigResource.Type.BROKER_LOGGER, Integer.toString(ConfigTestFixture.BROKER_ID));
    /** A logger of this test only, so that changing it changes nothing else. */
    private static final String NAME = "sluice.test.broker-logger-configs";

    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;
    private IncrementalAlterConfigsHandler alterHandler;
    private DescribeConfigsHandler describeHandler;
    private final Logger logger = (Logger) LoggerFactory.getLogger(NAME);

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
        ConfigManager manager = fixture.startConfigManager(ConfigTestFixture.brokerConfig());
        ConfigEntityStore entities = new ConfigEntityStore(fixture.store());
        alterHandler = new IncrementalAlterConfigsHandler(manager, entities);
        describeHandler = new DescribeConfigsHandler(manager, entities, t -> false);
        logger.setLevel(null);
    }

    @AfterEach
    void stop() throws Exception {
        logger.setLevel(null);
        fixture.close();
    }

    private ApiError alter(ConfigResource resource, boolean validateOnly, AlterConfigOp... ops) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> request = Map.of(resource, List.of(ops));
        IncrementalAlterConfigsResponse response = ConfigTestFixture.roundTrip(
                alterHandler,
                new IncrementalAlterConfigsRequest.Builder(request, validateOnly).build((short) 1),
                IncrementalAlterConfigsRequest::parse,
                IncrementalAlterConfigsResponse::parse);
        return IncrementalAlterConfigsResponse.fromResponseData(response.data()).get(resource);
    }

    private static AlterConfigOp op(OpType type, String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    private DescribeConfigsResult describeLoggers(String brokerId) throws Exception {
        return describe(describeHandler, (short) 4, false, false, resource(ConfigResource.Type.BROKER_LOGGER, brokerId))
                .data()
                .results()
                .get(0);
    }

    @Test
    void aLevelSetIsInForceAndDescribedAndRemovingItInheritsTheRootLevel() throws Exception {
        Level rootLevel = ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).getLevel();
        DescribeConfigsResult before = describeLoggers(LOGGERS.name());
        assertThat(before.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(entry(before, "root").value()).isEqualTo(rootLevel.toString());
        assertThat(entry(before, NAME).value())
                .isEqualTo(logger.getEffectiveLevel().toString());
        assertThat(source(entry(before, NAME).configSource()))
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG);

        assertThat(alter(LOGGERS, false, op(OpType.SET, NAME, "trace")).error()).isEqualTo(Errors.NONE);
        assertThat(logger.getLevel()).isEqualTo(Level.TRACE);
        assertThat(entry(describeLoggers(LOGGERS.name()), NAME).value()).isEqualTo("TRACE");

        assertThat(alter(LOGGERS, false, op(OpType.DELETE, NAME, null)).error()).isEqualTo(Errors.NONE);
        assertThat(logger.getLevel()).as("its own level is gone").isNull();
        assertThat(entry(describeLoggers(LOGGERS.name()), NAME).value()).isEqualTo(rootLevel.toString());
    }

    @Test
    void validateOnlyChangesNothing() throws Exception {
        assertThat(alter(LOGGERS, true, op(OpType.SET, NAME, "DEBUG")).error()).isEqualTo(Errors.NONE);
        assertThat(logger.getLevel()).isNull();
    }

    @Test
    void badOperationsAreRefusedWithKafkasErrorsAndNothingChanges() throws Exception {
        ApiError unknownLogger =
                alter(LOGGERS, false, op(OpType.SET, NAME, "DEBUG"), op(OpType.SET, "no.such", "INFO"));
        assertThat(unknownLogger.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(unknownLogger.message()).contains("no.such");
        assertThat(logger.getLevel())
                .as("no operation of a refused request is applied")
                .isNull();

        ApiError badLevel = alter(LOGGERS, false, op(OpType.SET, NAME, "LOUD"));
        assertThat(badLevel.error()).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(badLevel.message()).contains("LOUD");
        assertThat(alter(LOGGERS, false, op(OpType.DELETE, "root", null)).error())
                .isEqualTo(Errors.INVALID_REQUEST);
        assertThat(alter(LOGGERS, false, op(OpType.APPEND, NAME, "DEBUG")).error())
                .isEqualTo(Errors.INVALID_REQUEST);
        ConfigResource otherBroker = new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "2");
        assertThat(alter(otherBroker, false, op(OpType.SET, NAME, "DEBUG")).message())
                .contains("Unexpected broker id");
        assertThat(describeLoggers("2").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(describeLoggers("").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(logger.getLevel()).isNull();
    }
}
