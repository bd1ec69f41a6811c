package io.sluice.broker.group.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class OffsetsTopicCreatorTest {
    private final List<CreateTopicsRequestData> requests = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<CreateTopicsResponseData>> answers = new CopyOnWriteArrayList<>();
    private final AtomicInteger liveBrokers = new AtomicInteger(2);

    private OffsetsTopicCreator creator(int replicationFactor) {
        return new OffsetsTopicCreator(1, 50, replicationFactor, 104_857_600, 30_000, liveBrokers::get, request -> {
            requests.add(request);
            CompletableFuture<CreateTopicsResponseData> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        });
    }

    private static CreateTopicsResponseData answer(Errors error) {
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        response.topics()
                .add(new CreatableTopicResult()
                        .setName("__consumer_offsets")
                        .setErrorCode(error.code())
                        .setErrorMessage(error == Errors.NONE ? null : error.message()));
        return response;
    }

    private static Errors await(CompletionStage<Errors> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void theTopicIsCompactedWithTheConfiguredPartitionsAndReplicationCappedAtTheLiveBrokers() throws Exception {
        CompletionStage<Errors> created = creator(3).create();
        assertThat(requests).hasSize(1);
        CreatableTopic topic = requests.get(0).topics().find("__consumer_offsets");
        assertThat(topic.numPartitions()).isEqualTo(50);
        assertThat(topic.replicationFactor()).isEqualTo((short) 2);
        assertThat(topic.assignments()).isEmpty();
        Map<String, String> configs = topic.configs().stream()
                .collect(Collectors.toMap(CreatableTopicConfig::name, CreatableTopicConfig::value));
        assertThat(configs).isEqualTo(Map.of("cleanup.policy", "compact", "segment.bytes", "104857600"));
        assertThat(requests.get(0).validateOnly()).isFalse();
        assertThat(requests.get(0).timeoutMs()).isEqualTo(30_000);

        answers.get(0).complete(answer(Errors.NONE));
        assertThat(await(created)).isEqualTo(Errors.NONE);

        liveBrokers.set(5);
        creator(3).create();
        assertThat(requests.get(1).topics().find("__consumer_offsets").replicationFactor())
                .isEqualTo((short) 3);
    }

    @Test
    void concurrentFirstUsesShareOneCreation() throws Exception {
        OffsetsTopicCreator creator = creator(3);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CompletionStage<Errors>>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return creator.create();
                }));
            }
            go.countDown();
            List<CompletionStage<Errors>> stages = new java.util.ArrayList<>();
            for (Future<CompletionStage<Errors>> call : calls) {
                stages.add(call.get(5, TimeUnit.SECONDS));
            }
            assertThat(requests).hasSize(1);
            answers.get(0).complete(answer(Errors.NONE));
            for (CompletionStage<Errors> stage : stages) {
                assertThat(await(stage)).isEqualTo(Errors.NONE);
            }
        } finally {
            pool.shutdownNow();
        }
        // once done, a later call (the topic still missing from the caller's metadata) asks again
        creator.create();
        assertThat(requests).hasSize(2);
    }

    @Test
    void topicAlreadyExistsIsSuccessAndOtherErrorsAreReported() throws Exception {
        OffsetsTopicCreator creator = creator(3);
        CompletionStage<Errors> first = creator.create();
        answers.get(0).complete(answer(Errors.TOPIC_ALREADY_EXISTS));
        assertThat(await(first)).isEqualTo(Errors.NONE);

        CompletionStage<Errors> second = creator.create();
        answers.get(1).complete(answer(Errors.INVALID_REPLICATION_FACTOR));
        assertThat(await(second)).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);

        CompletionStage<Errors> third = creator.create();
        answers.get(2).completeExceptionally(new NotControllerException("moved"));
        assertThat(await(third)).isEqualTo(Errors.NOT_CONTROLLER);

        CompletionStage<Errors> fourth = creator.create();
        answers.get(3).complete(new CreateTopicsResponseData());
        assertThat(await(fourth)).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
    }

    @Test
    void withoutAKnownLiveBrokerNothingIsSent() throws Exception {
        liveBrokers.set(0);
        assertThat(await(creator(3).create())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(requests).isEmpty();
    }
}
