import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The lifecycle soak: repeats, until the duration is over, the ordinary lifecycle of topics on a running
 * {@code bin/sluice-cluster} cluster and checks the cluster after every cycle. Run by lifecycle-soak.sh with the
 * kafka-tools class path.
 *
 * <p>One cycle: delete and re-create {@code soak-same} (same name every cycle, small segments and retention.bytes so
 * segments roll and retention deletes), create {@code soak-N} (a new name; every third one compacted) and delete
 * {@code soak-(N-2)}; produce with acks=all (idempotent, lz4) to both and read everything back; add partitions to
 * {@code soak-same} and produce to the new ones; change the segment size and retention of {@code soak-N} and produce
 * again; every {@code --restart-every} cycles stop one broker (controlled shutdown) and start it again.
 *
 * <p>Checks after every cycle: every partition's ISR is full; no broker logged an ERROR line (or an uncaught
 * exception) during the cycle; every broker's {@code /health} answers 200 and its metrics show no failed fetcher
 * partition; and the files on disk match the logs: each broker holds a directory for exactly the partitions assigned
 * to it (a deleted topic's directory and a {@code -delete} directory may linger only for file.delete.delay.ms plus a
 * minute), every segment has both indexes, the active segment's indexes have their preallocated size, closed
 * segments' indexes hold whole entries, and no {@code .cleaned}/{@code .swap} file stays (a clean in progress has
 * them; seen for 30 s they are leftovers). The first failed check
 * stops the soak with its evidence (exit code 1).
 *
 * <p>Usage: java LifecycleSoak.java CLUSTER_DIR MINUTES RECORDS_PER_CYCLE RESTART_EVERY SEED
 */
public class LifecycleSoak {
    private static final String SAME = "soak-same";
    private static final int INDEX_BYTES = 10 * 1024 * 1024;
    private static final int TIME_INDEX_BYTES = INDEX_BYTES / 12 * 12;
    private static final Duration LINGER_ALLOWED = Duration.ofSeconds(60 + 60);
    /** How long a .cleaned or .swap file may be seen: a clean of the soak's few MB takes well under a second. */
    private static final Duration CLEAN_FILES_ALLOWED = Duration.ofSeconds(30);
    private static final Pattern SEGMENT = Pattern.compile("(\\d{20})\\.(log|index|timeindex)(\\..+)?");
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(\\d+)");

    private final Path clusterDir;
    private final int brokers;
    private final int basePort;
    private final int metricsBasePort;
    private final int recordsPerCycle;
    private final int restartEvery;
    private final Random random;
    private final Admin admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<Path, Long> logLinesSeen = new HashMap<>();
    private final Map<String, Long> lingeringSince = new HashMap<>();
    private final long start = System.nanoTime();
    private long produced;
    private long consumed;
    private int restarts;
    private int recreations;
    private int deletions;
    private int retentionCycles;

    LifecycleSoak(Path clusterDir, int recordsPerCycle, int restartEvery, long seed) throws IOException {
        this.clusterDir = clusterDir;
        Properties env = new Properties();
        try (var in = Files.newBufferedReader(clusterDir.resolve("cluster.env"))) {
            env.load(in);
        }
        this.brokers = Integer.parseInt(env.getProperty("SLUICE_CLUSTER_BROKERS"));
        this.basePort = Integer.parseInt(env.getProperty("SLUICE_CLUSTER_BASE_PORT"));
        this.metricsBasePort = Integer.parseInt(env.getProperty("SLUICE_CLUSTER_METRICS_BASE_PORT"));
        this.recordsPerCycle = recordsPerCycle;
        this.restartEvery = restartEvery;
        this.random = new Random(seed);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        this.admin = Admin.create(props);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        Duration duration = Duration.ofMinutes(Long.parseLong(args[1]));
        LifecycleSoak soak = new LifecycleSoak(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Long.parseLong(args[4]));
        int exit = soak.run(duration);
        System.exit(exit);
    }

    int run(Duration duration) throws Exception {
        markLogs();
        long deadline = System.nanoTime() + duration.toNanos();
        int cycle = 0;
        try {
            while (System.nanoTime() < deadline) {
                cycle++;
                String did = cycle(cycle);
                String checked = checkCluster();
                System.out.printf("cycle %d at %s: %s; %s%n", cycle, elapsed(), did, checked);
            }
        } catch (CheckFailed e) {
            System.out.printf("cycle %d at %s FAILED: %s%n", cycle, elapsed(), e.getMessage());
            return 1;
        } finally {
            admin.close(Duration.ofSeconds(10));
        }
        System.out.printf(
                "Soak clean: %d cycles in %s; %d records produced and %d read back with acks=all; %d re-creations of"
                        + " %s, %d topic deletions, %d cycles with retention deletions, %d broker restarts; every"
                        + " check passed after every cycle.%n",
                cycle, elapsed(), produced, consumed, recreations, SAME, deletions, retentionCycles, restarts);
        return 0;
    }

    // ------------------------------------------------------------------ one cycle

    private String cycle(int n) throws Exception {
        List<String> did = new ArrayList<>();
        deleteAndAwait(SAME);
        createTopic(SAME, 3, Map.of("segment.bytes", "131072", "retention.bytes", "524288"));
        recreations++;
        String fresh = "soak-" + n;
        boolean compact = n % 3 == 0;
        createTopic(fresh, 4, compact ? Map.of("cleanup.policy", "compact", "segment.bytes", "262144")
                : Map.of("segment.bytes", "262144"));
        if (n > 2 && deleteAndAwait("soak-" + (n - 2))) {
            deletions++;
        }
        did.add("re-created " + SAME + ", created " + fresh + (compact ? " (compacted)" : ""));

        Map<String, String> sameLast = new HashMap<>();
        Map<String, String> freshValues = new HashMap<>();
        produce(SAME, n, recordsPerCycle, sameLast, null);
        produce(fresh, n, recordsPerCycle, new HashMap<>(), freshValues);
        did.add("produced " + 2 * recordsPerCycle);

        int read = readBack(fresh, freshValues, compact);
        read += readLatest(SAME, sameLast);
        did.add("read " + read);

        admin.createPartitions(Map.of(SAME, NewPartitions.increaseTo(5))).all().get(60, TimeUnit.SECONDS);
        awaitFullIsr(List.of(SAME), Duration.ofSeconds(60));
        Map<String, String> grown = new HashMap<>();
        // a new producer learns the partitions from one broker's metadata, which may lag the creation briefly
        for (int attempt = 1; attempt <= 10 && !grown.containsKey(SAME + "-3") && !grown.containsKey(SAME + "-4");
                attempt++) {
            produce(SAME, n, 500, grown, null);
        }
        require(grown.containsKey(SAME + "-3") || grown.containsKey(SAME + "-4"),
                "no record of " + SAME + " went to partitions 3 or 4 after adding them: " + grown.keySet());
        did.add("added partitions");

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, fresh);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                        new AlterConfigOp(new ConfigEntry("segment.bytes", "65536"), AlterConfigOp.OpType.SET),
                        new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET))))
                .all()
                .get(60, TimeUnit.SECONDS);
        produce(fresh, n, 2_000, new HashMap<>(), null);
        String segmentBytes =
                admin.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS).get(resource)
                        .get("segment.bytes").value();
        require("65536".equals(segmentBytes), "segment.bytes of " + fresh + " reads " + segmentBytes);
        did.add("altered configs");

        if (retentionDeleted(SAME)) {
            retentionCycles++;
            did.add("retention deleted segments");
        }
        if (restartEvery > 0 && n % restartEvery == 0) {
            int broker = (n / restartEvery - 1) % brokers + 1;
            clusterCommand("stop", broker);
            clusterCommand("start", broker);
            restarts++;
            did.add("restarted broker " + broker);
        }
        return String.join(", ", did);
    }

    private void createTopic(String topic, int partitions, Map<String, String> extra) throws Exception {
        Map<String, String> configs = new HashMap<>(extra);
        configs.put("min.insync.replicas", "2");
        NewTopic spec = new NewTopic(topic, partitions, (short) Math.min(3, brokers)).configs(configs);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                admin.createTopics(List.of(spec)).all().get(60, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                // a broker may still be finishing the previous incarnation's deletion
                if (System.nanoTime() > until) {
                    throw new CheckFailed("cannot create " + topic + ": " + e.getCause());
                }
                Thread.sleep(500);
            }
        }
        awaitFullIsr(List.of(topic), Duration.ofSeconds(60));
    }

    private boolean deleteAndAwait(String topic) throws Exception {
        if (!admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(topic)) {
            return false;
        }
        try {
            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(topic)) {
            require(System.nanoTime() < until, "topic " + topic + " still listed 60 s after its deletion");
            Thread.sleep(200);
        }
        return true;
    }

    /** Produces {@code count} keyed records; remembers each partition's last value and, if asked, every value. */
    private void produce(String topic, int cycle, int count, Map<String, String> lastByPartition,
            Map<String, String> valueByKeyAndValue) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        List<Future<RecordMetadata>> sends = new ArrayList<>(count);
        List<String> values = new ArrayList<>(count);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String key = "k" + random.nextInt(500);
                String value = "c" + cycle + "-" + i + "-" + randomLetters(100 + random.nextInt(100));
                values.add(key + "=" + value);
                sends.add(producer.send(new ProducerRecord<>(topic, key, value)));
            }
            for (int i = 0; i < count; i++) {
                RecordMetadata md;
                try {
                    md = sends.get(i).get(150, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new CheckFailed("acks=all send " + i + " to " + topic + " failed: " + e.getCause());
                }
                String kv = values.get(i);
                lastByPartition.put(topic + "-" + md.partition(), kv);
                if (valueByKeyAndValue != null) {
                    valueByKeyAndValue.put(kv.substring(0, kv.indexOf('=')), kv); // the latest per key
                    valueByKeyAndValue.put(kv, kv);
                }
            }
        }
        produced += count;
    }

    /** Random letters: records lz4 cannot shrink much, so that segments roll and retention deletes. */
    private String randomLetters(int length) {
        char[] letters = new char[length];
        for (int i = 0; i < length; i++) {
            letters[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(letters);
    }

    /** Reads the whole topic: every acknowledged record (or, compacted, at least each key's latest value). */
    private int readBack(String topic, Map<String, String> expected, boolean compact) throws Exception {
        Set<String> seen = new HashSet<>();
        int read = readAll(topic, (partition, kv) -> seen.add(kv));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            boolean latestOfKey = !e.getKey().contains("=");
            if ((compact && latestOfKey) || (!compact && !latestOfKey)) {
                require(seen.contains(e.getValue()), "acknowledged record " + abbreviate(e.getValue()) + " of "
                        + topic + " not read back (" + read + " records read)");
            }
        }
        return read;
    }

    /** Reads the topic from its log start; each partition's last record must be the last one acknowledged. */
    private int readLatest(String topic, Map<String, String> lastByPartition) throws Exception {
        Map<String, String> last = new HashMap<>();
        int read = readAll(topic, (partition, kv) -> last.put(partition, kv));
        for (Map.Entry<String, String> e : lastByPartition.entrySet()) {
            require(e.getValue().equals(last.get(e.getKey())), "last record of " + e.getKey() + " reads "
                    + abbreviate(last.get(e.getKey())) + ", acknowledged " + abbreviate(e.getValue()));
        }
        return read;
    }

    private interface RecordSink {
        void accept(String partition, String keyAndValue);
    }

    private int readAll(String topic, RecordSink sink) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        int read = 0;
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(60))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                require(System.nanoTime() < until, "reading " + topic + " did not reach " + end + " in 120 s");
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    sink.accept(topic + "-" + r.partition(), r.key() + "=" + r.value());
                    read++;
                }
            }
        }
        consumed += read;
        return read;
    }

    /** Whether retention advanced the log start of some partition, waiting up to two retention checks (5 s each). */
    private boolean retentionDeleted(String topic) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
        while (!logStartAdvanced(topic)) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(500);
        }
        return true;
    }

    private boolean logStartAdvanced(String topic) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(60))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            return consumer.beginningOffsets(partitions, Duration.ofSeconds(60)).values().stream()
                    .anyMatch(offset -> offset > 0);
        }
    }

    private void clusterCommand(String command, int broker) throws Exception {
        Path script = Path.of(System.getProperty("sluice.home", ".")).resolve("bin/sluice-cluster");
        Process p = new ProcessBuilder("bash", script.toString(), command, Integer.toString(broker), "--dir",
                        clusterDir.toString(), "--timeout", "120")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        require(p.waitFor(180, TimeUnit.SECONDS) && p.exitValue() == 0,
                "sluice-cluster " + command + " " + broker + " failed: " + out.strip());
    }

    // ------------------------------------------------------------------ checks

    private String checkCluster() throws Exception {
        long t0 = System.nanoTime();
        List<String> topics = List.copyOf(admin.listTopics().names().get(60, TimeUnit.SECONDS));
        Map<String, TopicDescription> described = awaitFullIsr(topics, Duration.ofSeconds(90));
        String isr = String.format("ISRs full (%.1f s)", (System.nanoTime() - t0) / 1e9);
        checkLogs();
        long h0 = System.nanoTime();
        checkHealthAndFetchers();
        String health = String.format("health ok (%.1f s)", (System.nanoTime() - h0) / 1e9);
        String disk = checkDisk(described);
        return isr + ", logs clean, " + health + ", " + disk;
    }

    private Map<String, TopicDescription> awaitFullIsr(Collection<String> topics, Duration limit) throws Exception {
        long until = System.nanoTime() + limit.toNanos();
        while (true) {
            Map<String, TopicDescription> described;
            try {
                described = admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // a topic just created (or deleted) is not in every broker's metadata yet
                require(e.getCause() instanceof UnknownTopicOrPartitionException && System.nanoTime() < until,
                        "cannot describe " + topics + ": " + e.getCause());
                Thread.sleep(200);
                continue;
            }
            List<String> short_ = new ArrayList<>();
            for (TopicDescription d : described.values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.isr().size() != p.replicas().size() || p.leader() == null) {
                        short_.add(d.name() + "-" + p.partition() + " isr=" + p.isr().size() + "/"
                                + p.replicas().size());
                    }
                }
            }
            if (short_.isEmpty()) {
                return described;
            }
            require(System.nanoTime() < until, "ISR not full after " + limit.toSeconds() + " s: " + short_);
            Thread.sleep(500);
        }
    }

    private void markLogs() throws IOException {
        for (int b = 1; b <= brokers; b++) {
            Path log = clusterDir.resolve("broker-" + b + ".log");
            if (Files.exists(log)) {
                try (Stream<String> lines = Files.lines(log)) {
                    logLinesSeen.put(log, lines.count());
                }
            }
        }
    }

    private void checkLogs() throws IOException {
        List<String> errors = new ArrayList<>();
        for (int b = 1; b <= brokers; b++) {
            Path log = clusterDir.resolve("broker-" + b + ".log");
            if (!Files.exists(log)) {
                continue;
            }
            long skip = logLinesSeen.getOrDefault(log, 0L);
            long count = 0;
            try (Stream<String> lines = Files.lines(log)) {
                for (String line : (Iterable<String>) lines::iterator) {
                    count++;
                    if (count > skip && (line.matches("^\\S+ ERROR .*") || line.contains("Exception in thread"))) {
                        errors.add("broker-" + b + ".log: " + line);
                    }
                }
            }
            logLinesSeen.put(log, count);
        }
        require(errors.isEmpty(), errors.size() + " ERROR line(s) in the broker logs:\n  "
                + String.join("\n  ", errors.subList(0, Math.min(20, errors.size()))));
    }

    /**
     * Every broker's {@code /health} answers 200 within a minute (a restarted broker is unhealthy until its own
     * metadata shows it back in every ISR, which can trail what the Admin client saw) and no fetcher partition failed.
     */
    private void checkHealthAndFetchers() throws Exception {
        for (int b = 1; b <= brokers; b++) {
            String base = "http://127.0.0.1:" + (metricsBasePort + b - 1);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            HttpResponse<String> health = get(base + "/health");
            while (health.statusCode() != 200 && System.nanoTime() < until) {
                Thread.sleep(500);
                health = get(base + "/health");
            }
            require(health.statusCode() == 200, "broker " + b + " /health answered " + health.statusCode() + ": "
                    + health.body());
            HttpResponse<String> metrics = get(base + "/metrics");
            double failed = 0;
            for (String line : metrics.body().lines().toList()) {
                if (line.startsWith("sluice_replica_fetcher_failed_partitions")) {
                    failed += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            require(failed == 0, "broker " + b + " reports " + failed + " failed fetcher partitions");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The files on disk against the logs; a race with a roll or a deletion in flight gets two more looks. */
    private String checkDisk(Map<String, TopicDescription> described) throws Exception {
        String problem = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            problem = null;
            try {
                return diskSummary(described);
            } catch (CheckFailed | IOException e) {
                problem = e.getMessage();
                Thread.sleep(1_000);
            }
        }
        throw new CheckFailed(problem);
    }

    private String diskSummary(Map<String, TopicDescription> described) throws IOException {
        int dirs = 0;
        int lingering = 0;
        long now = System.nanoTime();
        Set<String> seenNow = new HashSet<>();
        for (int b = 1; b <= brokers; b++) {
            Set<String> assigned = new HashSet<>();
            for (TopicDescription d : described.values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    final int broker = b;
                    if (p.replicas().stream().anyMatch(n -> n.id() == broker)) {
                        assigned.add(d.name() + "-" + p.partition());
                    }
                }
            }
            Path data = clusterDir.resolve("broker-" + b).resolve("data");
            List<Path> children;
            try (Stream<Path> list = Files.list(data)) {
                children = list.filter(Files::isDirectory).toList();
            }
            Set<String> present = new HashSet<>();
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.endsWith("-delete") || !assigned.contains(name)) {
                    // a deleted log waiting for its removal, or a partition whose StopReplica is in flight
                    String key = b + "/" + name;
                    seenNow.add(key);
                    long since = lingeringSince.computeIfAbsent(key, k -> now);
                    require(now - since < LINGER_ALLOWED.toNanos(), "broker " + b + " still has " + name + " "
                            + LINGER_ALLOWED.toSeconds() + " s after it stopped hosting it");
                    lingering++;
                    continue;
                }
                if (!PARTITION_DIR.matcher(name).matches()) {
                    continue;
                }
                present.add(name);
                checkSegments(b, child, now, seenNow);
                dirs++;
            }
            Set<String> missing = new HashSet<>(assigned);
            missing.removeAll(present);
            require(missing.isEmpty(), "broker " + b + " has no directory for its partitions " + missing);
        }
        lingeringSince.keySet().retainAll(seenNow);
        return "disk ok (" + dirs + " partition dirs, " + lingering + " awaiting removal)";
    }

    private void checkSegments(int broker, Path partitionDir, long now, Set<String> seenNow) throws IOException {
        Map<Long, Map<String, Long>> segments = new TreeMap<>();
        try (Stream<Path> files = Files.list(partitionDir)) {
            for (Path f : files.toList()) {
                Matcher m = SEGMENT.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                String suffix = m.group(3);
                if (suffix != null && !suffix.equals(".deleted")) {
                    // a clean in progress has its .cleaned and .swap files; they must not outlive it
                    String key = broker + "/" + partitionDir.getFileName() + "/" + f.getFileName();
                    seenNow.add(key);
                    long since = lingeringSince.computeIfAbsent(key, k -> now);
                    require(now - since < CLEAN_FILES_ALLOWED.toNanos(), "broker " + broker + ": leftover "
                            + partitionDir.getFileName() + "/" + f.getFileName() + " for "
                            + CLEAN_FILES_ALLOWED.toSeconds() + " s");
                    continue;
                }
                if (suffix == null) {
                    segments.computeIfAbsent(Long.parseLong(m.group(1)), k -> new HashMap<>())
                            .put(m.group(2), Files.size(f));
                }
            }
        }
        String where = "broker " + broker + " " + partitionDir.getFileName();
        require(!segments.isEmpty(), where + " has no segment");
        long active = ((TreeMap<Long, Map<String, Long>>) segments).lastKey();
        for (Map.Entry<Long, Map<String, Long>> e : segments.entrySet()) {
            Map<String, Long> files = e.getValue();
            require(files.keySet().containsAll(List.of("log", "index", "timeindex")),
                    where + " segment " + e.getKey() + " lacks a file: " + files.keySet());
            long index = files.get("index");
            long timeIndex = files.get("timeindex");
            if (e.getKey() == active) {
                require(index == INDEX_BYTES && timeIndex == TIME_INDEX_BYTES, where + " active segment "
                        + e.getKey() + " has indexes of " + index + " and " + timeIndex + " bytes, not preallocated");
            } else {
                require(index % 8 == 0 && index <= INDEX_BYTES && timeIndex % 12 == 0
                                && timeIndex <= TIME_INDEX_BYTES,
                        where + " segment " + e.getKey() + " has indexes of " + index + " and " + timeIndex
                                + " bytes");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private String bootstrap() {
        List<String> list = new ArrayList<>();
        for (int b = 0; b < brokers; b++) {
            list.add("127.0.0.1:" + (basePort + b));
        }
        return String.join(",", list);
    }

    private String elapsed() {
        long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        return String.format("%dm%02ds", s / 60, s % 60);
    }

    private static String abbreviate(String s) {
        return s == null ? "nothing" : s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new CheckFailed(problem);
        }
    }

    /** A failed check: the soak stops with this evidence. */
    static final class CheckFailed extends RuntimeException {
        CheckFailed(String message) {
            super(message);
        }
    }
}
