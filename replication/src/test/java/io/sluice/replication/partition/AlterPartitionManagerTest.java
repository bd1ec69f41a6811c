package io.sluice.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Batching, one request outstanding, retries and per-partition answers of {@link AlterPartitionManager}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AlterPartitionManagerTest {
    private static final int BROKER = 1;
    private static final long BACKOFF_MS = 20;

    /** A controller end that keeps every request until the test answers it. */
    private static final class Sender implements AlterPartitionSender {
        record Sent(AlterPartitionRequestData request, CompletableFuture<AlterPartitionResponseData> answer) {
            List<TopicPartition> partitions() {
                List<TopicPartition> out = new ArrayList<>();
                request.topics()
                        .forEach(t -> t.partitions()
                                .forEach(p -> out.add(new TopicPartition(t.topicName(), p.partitionIndex()))));
                return out;
            }

            AlterPartitionRequestData.PartitionData data(TopicPartition tp) {
                return request.topics().stream()
                        .filter(t -> t.topicName().equals(tp.topic()))
                        .flatMap(t -> t.partitions().stream())
                        .filter(p -> p.partitionIndex() == tp.partition())
                        .findFirst()
                        .orElseThrow();
            }

            /** Answers every partition with {@code errorOf(tp)}; NONE commits at partition epoch + 1. */
            void answer(Function<TopicPartition, Errors> errorOf) {
                AlterPartitionResponseData response = new AlterPartitionResponseData();
                for (AlterPartitionRequestData.TopicData t : request.topics()) {
                    AlterPartitionResponseData.TopicData topic =
                            new AlterPartitionResponseData.TopicData().setTopicName(t.topicName());
                    response.topics().add(topic);
                    for (AlterPartitionRequestData.PartitionData p : t.partitions()) {
                        Errors error = errorOf.apply(new TopicPartition(t.topicName(), p.partitionIndex()));
                        topic.partitions()
                                .add(new AlterPartitionResponseData.PartitionData()
                                        .setPartitionIndex(p.partitionIndex())
                                        .setErrorCode(error.code())
                                        .setLeaderId(request.brokerId())
                                        .setLeaderEpoch(p.leaderEpoch())
                                        .setIsr(p.newIsrWithEpochs().stream()
                                                .map(AlterPartitionRequestData.BrokerState::brokerId)
                                                .toList())
                                        .setPartitionEpoch(
                                                error == Errors.NONE ? p.partitionEpoch() + 1 : p.partitionEpoch()));
                    }
                }
                answer.complete(response);
            }

            void commitAll() {
                answer(tp -> Errors.NONE);
            }
        }

        final List<Sent> sent = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<AlterPartitionResponseData> send(AlterPartitionRequestData request) {
            Sent s = new Sent(request.duplicate(), new CompletableFuture<>());
            sent.add(s);
            return s.answer();
        }

        Sent last() {
            return sent.get(sent.size() - 1);
        }
    }

    private final Sender sender = new Sender();
    private final AtomicLong brokerEpoch = new AtomicLong(100);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final AlterPartitionManager manager =
            new AlterPartitionManager(BROKER, sender, brokerEpoch::get, scheduler, BACKOFF_MS);

    @AfterEach
    void tearDown() throws InterruptedException {
        manager.close();
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    /** A proposal at leader epoch 5 of ISR {1, 2, 3} (follower epochs 20, 30), at {@code partitionEpoch}. */
    private static AlterPartitionRequestData.PartitionData change(TopicPartition tp, int partitionEpoch) {
        return new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(tp.partition())
                .setLeaderEpoch(5)
                .setPartitionEpoch(partitionEpoch)
                .setNewIsrWithEpochs(List.of(
                        new AlterPartitionRequestData.BrokerState()
                                .setBrokerId(BROKER)
                                .setBrokerEpoch(-1),
                        new AlterPartitionRequestData.BrokerState()
                                .setBrokerId(2)
                                .setBrokerEpoch(20),
                        new AlterPartitionRequestData.BrokerState()
                                .setBrokerId(3)
                                .setBrokerEpoch(30)));
    }

    @Test
    void aChangeGoesOutAtOnceWhenNothingIsOutstandingWithTheBrokersCurrentEpoch() throws Exception {
        CompletableFuture<AlterPartitionResponseData.PartitionData> f =
                manager.submit(tp("a", 0), change(tp("a", 0), 7));

        assertThat(sender.sent).hasSize(1);
        AlterPartitionRequestData request = sender.last().request();
        assertThat(request.brokerId()).isEqualTo(BROKER);
        assertThat(request.brokerEpoch()).isEqualTo(100);
        assertThat(sender.last().data(tp("a", 0)).newIsrWithEpochs())
                .extracting(
                        AlterPartitionRequestData.BrokerState::brokerId,
                        AlterPartitionRequestData.BrokerState::brokerEpoch)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 100L),
                        org.assertj.core.groups.Tuple.tuple(2, 20L),
                        org.assertj.core.groups.Tuple.tuple(3, 30L));
        assertThat(f).isNotDone();

        sender.last().commitAll();

        assertThat(f.get().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(f.get().partitionEpoch()).isEqualTo(8);
        assertThat(manager.isOutstanding()).isFalse();
    }

    @Test
    void changesArrivingWhileARequestIsOutstandingGoOutTogetherInTheNextOne() throws Exception {
        manager.submit(tp("a", 0), change(tp("a", 0), 1));
        List<CompletableFuture<AlterPartitionResponseData.PartitionData>> waiting = new ArrayList<>();
        for (int p = 0; p < 500; p++) {
            waiting.add(manager.submit(tp("b", p), change(tp("b", p), 1)));
        }
        waiting.add(manager.submit(tp("c", 3), change(tp("c", 3), 1)));

        assertThat(sender.sent).as("one request outstanding at most").hasSize(1);
        assertThat(manager.queuedCount()).isEqualTo(501);

        sender.last().commitAll();

        assertThat(sender.sent).hasSize(2);
        Sender.Sent second = sender.last();
        assertThat(second.partitions()).hasSize(501);
        assertThat(second.request().topics())
                .extracting(AlterPartitionRequestData.TopicData::topicName)
                .containsExactly("b", "c");
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        second.commitAll();

        assertThat(waiting).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(sender.sent).hasSize(2);
        assertThat(manager.queuedCount()).isZero();
    }

    @Test
    void aNewerChangeOfAQueuedPartitionReplacesIt() {
        manager.submit(tp("a", 0), change(tp("a", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> older =
                manager.submit(tp("a", 1), change(tp("a", 1), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> newer =
                manager.submit(tp("a", 1), change(tp("a", 1), 2));
        // the outstanding partition may have a newer change queued behind it
        CompletableFuture<AlterPartitionResponseData.PartitionData> behind =
                manager.submit(tp("a", 0), change(tp("a", 0), 2));

        assertThat(older).isCompletedExceptionally();
        assertThat(catchCause(older)).isInstanceOf(AlterPartitionManager.SupersededException.class);
        assertThat(manager.queuedCount()).isEqualTo(2);

        sender.last().commitAll();

        Sender.Sent second = sender.last();
        assertThat(second.partitions()).containsExactlyInAnyOrder(tp("a", 1), tp("a", 0));
        assertThat(second.data(tp("a", 1)).partitionEpoch()).isEqualTo(2);
        assertThat(second.data(tp("a", 0)).partitionEpoch()).isEqualTo(2);
        second.commitAll();
        assertThat(newer).isCompleted();
        assertThat(behind).isCompleted();
    }

    @Test
    void aFailedRequestIsSentAgainAfterTheBackoffWithWhatArrivedMeanwhile() throws Exception {
        CompletableFuture<AlterPartitionResponseData.PartitionData> first =
                manager.submit(tp("a", 0), change(tp("a", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> replaced =
                manager.submit(tp("a", 1), change(tp("a", 1), 1));
        sender.last().commitAll(); // a/0 done; a/1 goes out in request 2
        assertThat(first.get().errorCode()).isZero();
        assertThat(replaced).isNotDone();
        CompletableFuture<AlterPartitionResponseData.PartitionData> queuedMeanwhile =
                manager.submit(tp("a", 2), change(tp("a", 2), 1));

        sender.last().answer().completeExceptionally(new IOException("connection reset"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 3);
        assertThat(sender.last().partitions()).containsExactly(tp("a", 1), tp("a", 2));

        // NOT_CONTROLLER (and any other top-level error) is a failure of the whole request
        brokerEpoch.set(101);
        sender.last().answer().complete(new AlterPartitionResponseData().setErrorCode(Errors.NOT_CONTROLLER.code()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 4);
        assertThat(sender.last().partitions()).containsExactly(tp("a", 1), tp("a", 2));
        assertThat(sender.last().request().brokerEpoch())
                .as("a retry carries the current epoch")
                .isEqualTo(101);
        assertThat(replaced).isNotDone();

        sender.last().commitAll();
        assertThat(replaced.get().partitionEpoch()).isEqualTo(2);
        assertThat(queuedMeanwhile.get().partitionEpoch()).isEqualTo(2);
    }

    @Test
    void aChangeReplacedDuringTheBackoffIsNotSentAgain() throws Exception {
        CompletableFuture<AlterPartitionResponseData.PartitionData> old =
                manager.submit(tp("a", 0), change(tp("a", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> newer =
                manager.submit(tp("a", 0), change(tp("a", 0), 4));
        sender.last().answer().completeExceptionally(new IOException("connection reset"));

        assertThat(catchCause(old)).isInstanceOf(AlterPartitionManager.SupersededException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 2);
        assertThat(sender.last().partitions()).containsExactly(tp("a", 0));
        assertThat(sender.last().data(tp("a", 0)).partitionEpoch()).isEqualTo(4);
        sender.last().commitAll();
        assertThat(newer.get().partitionEpoch()).isEqualTo(5);
    }

    @Test
    void eachPartitionGetsItsOwnAnswerAndErrorsDoNotFailTheOthers() throws Exception {
        manager.submit(tp("a", 0), change(tp("a", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> ok =
                manager.submit(tp("b", 0), change(tp("b", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> fenced =
                manager.submit(tp("b", 1), change(tp("b", 1), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> ineligible =
                manager.submit(tp("c", 0), change(tp("c", 0), 1));
        sender.last().commitAll();

        Map<TopicPartition, Errors> errors =
                Map.of(tp("b", 1), Errors.FENCED_LEADER_EPOCH, tp("c", 0), Errors.INELIGIBLE_REPLICA);
        sender.last().answer(tp -> errors.getOrDefault(tp, Errors.NONE));

        assertThat(ok.get().errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(fenced.get().errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(ineligible.get().errorCode()).isEqualTo(Errors.INELIGIBLE_REPLICA.code());
        assertThat(sender.sent)
                .as("partition errors are not retried by the manager")
                .hasSize(2);
        assertThat(manager.isOutstanding()).isFalse();
    }

    @Test
    void aPartitionMissingFromTheAnswerGetsAnErrorOfItsOwn() throws Exception {
        CompletableFuture<AlterPartitionResponseData.PartitionData> f =
                manager.submit(tp("a", 0), change(tp("a", 0), 1));
        sender.last().answer().complete(new AlterPartitionResponseData());
        assertThat(f.get().errorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
    }

    @Test
    void closingFailsTheQueuedChangesAndSendsNothingMore() {
        manager.submit(tp("a", 0), change(tp("a", 0), 1));
        CompletableFuture<AlterPartitionResponseData.PartitionData> queued =
                manager.submit(tp("a", 1), change(tp("a", 1), 1));
        manager.close();

        assertThat(catchCause(queued)).isInstanceOf(AlterPartitionManager.ClosedException.class);
        assertThat(catchCause(manager.submit(tp("a", 2), change(tp("a", 2), 1))))
                .isInstanceOf(AlterPartitionManager.ClosedException.class);
        sender.last().commitAll();
        assertThat(sender.sent).hasSize(1);
    }

    private static Throwable catchCause(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
