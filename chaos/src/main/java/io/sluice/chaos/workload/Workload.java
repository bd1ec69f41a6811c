package io.sluice.chaos.workload;

import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Partitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked workload: a topic of RF 3 and {@code min.insync.replicas=2}; one idempotent producer per partition; an
 * assign-mode consumer of every partition; a consumer group of {@code groupMembers} members; the metadata sampler.
 *
 * <p>Lifecycle: {@link #createTopic}, {@link #start}, {@link #stopWriters}, {@link #stopReaders}, {@link #close}.
 * Called from the run's thread only.
 */
public final class Workload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workload.class);

    /**
     * Shapes the workload.
     *
     * @param acks the producers' {@code acks}; idempotence is on only with {@code all}
     * @param topicConfigs topic configs replacing or adding to the defaults ({@code min.insync.replicas=2}, {@code
     *     unclean.leader.election.enable=false})
     */
    public record Settings(
            String topic,
            int partitions,
            int ratePerProducer,
            int groupMembers,
            String acks,
            Map<String, String> topicConfigs) {
        public Settings {
            topicConfigs = Map.copyOf(topicConfigs);
        }

        /** The checked defaults: {@code acks=all}, idempotent producers, no topic config overrides. */
        public Settings(String topic, int partitions, int ratePerProducer, int groupMembers) {
            this(topic, partitions, ratePerProducer, groupMembers, "all", Map.of());
        }

        /** The topic's configs: the defaults with {@link #topicConfigs()} applied. */
        public Map<String, String> effectiveTopicConfigs() {
            Map<String, String> configs = new LinkedHashMap<>();
            configs.put("min.insync.replicas", "2");
            configs.put("unclean.leader.election.enable", "false");
            configs.putAll(topicConfigs);
            return configs;
        }
    }

    private final Settings settings;
    private final String bootstrap;
    private final HistoryWriter history;
    private final RunClock clock;
    private final Admin admin;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final MetadataSampler sampler;
    private final List<ProducerWorker> producers = new ArrayList<>();
    private final List<Runnable> readerStops = new ArrayList<>();
    private final List<Thread> writerThreads = new ArrayList<>();
    private final List<Thread> readerThreads = new ArrayList<>();
    private Thread samplerThread;

    public Workload(Settings settings, String bootstrap, String zkConnect, HistoryWriter history, RunClock clock) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.history = history;
        this.clock = clock;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "chaos-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "3000");
        this.admin = Admin.create(p);
        for (int i = 0; i < settings.partitions(); i++) {
            partitions.add(new TopicPartition(settings.topic(), i));
        }
        this.sampler = new MetadataSampler(zkConnect, admin, partitions, history, clock);
    }

    public List<TopicPartition> partitions() {
        return List.copyOf(partitions);
    }

    public MetadataSampler sampler() {
        return sampler;
    }

    public List<ProducerWorker> producers() {
        return List.copyOf(producers);
    }

    /** Creates the topic and waits until every partition has a leader and a full ISR. */
    public void createTopic(List<Integer> brokers, Duration bound)
            throws ExecutionException, InterruptedException, TimeoutException {
        NewTopic topic = new NewTopic(settings.topic(), settings.partitions(), (short) 3)
                .configs(settings.effectiveTopicConfigs());
        try {
            admin.createTopics(List.of(topic), new CreateTopicsOptions().timeoutMs((int) bound.toMillis()))
                    .all()
                    .get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The Admin client retries a create that timed out; the retry finds the topic created.
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        long deadline = System.nanoTime() + bound.toNanos();
        while (!MetadataSampler.healed(sampler.sampleOnce(), brokers)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topic " + settings.topic() + " not fully replicated within " + bound);
            }
            Thread.sleep(200);
        }
        log.info("topic {} ready: {} partitions, RF 3", settings.topic(), settings.partitions());
    }

    /** Starts the sampler, the readers and the producers. */
    public void start() {
        samplerThread = start("chaos-sampler", sampler);
        AssignConsumer c1 = new AssignConsumer("c1", partitions, bootstrap, history, clock);
        readerStops.add(c1::stop);
        readerThreads.add(start("chaos-c1", c1));
        for (int g = 1; g <= settings.groupMembers(); g++) {
            GroupConsumer member = new GroupConsumer(
                    "g" + g, "chaos-" + settings.topic(), settings.topic(), bootstrap, history, clock);
            readerStops.add(member::stop);
            readerThreads.add(start("chaos-g" + g, member));
        }
        for (TopicPartition tp : partitions) {
            ProducerWorker p = new ProducerWorker(
                    "p" + tp.partition(),
                    tp,
                    bootstrap,
                    settings.acks(),
                    settings.ratePerProducer(),
                    200,
                    history,
                    clock);
            producers.add(p);
            writerThreads.add(start("chaos-" + p.process(), p));
        }
        log.info(
                "workload started on {} ({} producers)",
                partitions.stream().map(Partitions::name).toList(),
                producers.size());
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Stops the producers and waits until every outstanding send completed. */
    public void stopWriters() throws InterruptedException {
        producers.forEach(ProducerWorker::stop);
        for (Thread t : writerThreads) {
            t.join(60_000);
        }
    }

    /** Stops the consumers and the sampler. */
    public void stopReaders() throws InterruptedException {
        readerStops.forEach(Runnable::run);
        for (Thread t : readerThreads) {
            t.join(30_000);
        }
        sampler.stop();
        if (samplerThread != null) {
            samplerThread.join(10_000);
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    @Override
    public void close() {
        sampler.close();
        admin.close(Duration.ofSeconds(5));
    }
}
