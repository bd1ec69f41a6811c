package io.sluice.chaos.run;

import io.sluice.chaos.check.CheckResult;
import io.sluice.chaos.check.Checker;
import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.report.Report;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a run's history and writes its report; when the verdict is INVALID, keeps the brokers' and ZooKeeper's logs
 * in the run's output directory (so that an anomaly can be investigated after the cluster is gone or has logged on)
 * and says where at the end of {@value Report#SUMMARY}. Stateless.
 *
 * @param result the checker's verdict
 * @param brokerLogs where the logs were kept (null when the run is valid)
 */
public record RunVerdict(CheckResult result, Path brokerLogs) {
    private static final Logger log = LoggerFactory.getLogger(RunVerdict.class);

    /** The directory of the run's output directory the logs are copied to. */
    public static final String BROKER_LOGS = "broker-logs";

    /**
     * Checks {@code history}, writes the report to {@code outDir}, and on INVALID keeps the logs of the cluster in
     * {@code clusterDir}.
     */
    public static RunVerdict check(Path history, Path clusterDir, Path outDir) throws IOException {
        List<Event> events = HistoryReader.read(history);
        CheckResult result = Checker.check(events);
        Report.write(outDir, events, result);
        if (result.valid()) {
            return new RunVerdict(result, null);
        }
        Path logs = keepLogs(clusterDir, outDir);
        Files.writeString(
                outDir.resolve(Report.SUMMARY),
                "\n" + logsLine(logs) + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return new RunVerdict(result, logs);
    }

    /** The summary's line that says where the logs are. */
    public static String logsLine(Path logs) {
        return "broker logs: " + logs;
    }

    /**
     * Copies the cluster's {@code *.log} files ({@code broker-N.log}, {@code zookeeper.log}) to {@code
     * outDir/broker-logs}, unless the cluster's directory lies in {@code outDir} already (a cluster the run started
     * itself keeps its logs in {@code outDir/cluster}); returns where they are.
     */
    static Path keepLogs(Path clusterDir, Path outDir) throws IOException {
        Path cluster = clusterDir.toAbsolutePath().normalize();
        Path out = outDir.toAbsolutePath().normalize();
        if (cluster.startsWith(out)) {
            return cluster;
        }
        Path target = out.resolve(BROKER_LOGS);
        Files.createDirectories(target);
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(cluster, "*.log")) {
            for (Path file : logs) {
                Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        log.info("run invalid: the logs of {} kept in {}", cluster, target);
        return target;
    }
}
