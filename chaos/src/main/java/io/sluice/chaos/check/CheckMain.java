package io.sluice.chaos.check;

import io.sluice.chaos.history.Event;
import io.sluice.chaos.history.HistoryReader;
import io.sluice.chaos.report.Report;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/sluice-chaos check HISTORY [--out DIR]}: checks a recorded history, writes the report (summary.txt,
 * result.json, timeline.html) and prints the summary. Exit code {@value #VALID} when the history is valid,
 * {@value #INVALID} when it has anomalies, {@value #ERROR} when it cannot be read or the arguments are wrong.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Checks a chaos run's history and writes its report (summary.txt, result.json, timeline.html).")
public final class CheckMain implements Callable<Integer> {
    public static final int VALID = 0;
    public static final int INVALID = 1;
    public static final int ERROR = 2;

    @Parameters(index = "0", paramLabel = "HISTORY", description = "the history file (JSON lines)")
    Path history;

    @Option(
            names = {"-o", "--out"},
            paramLabel = "DIR",
            description = "the report directory (default: the history's directory)")
    Path out;

    private PrintWriter stdout = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    private PrintWriter stderr = new PrintWriter(System.err, true, StandardCharsets.UTF_8);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command with these arguments and returns its exit code. */
    public static int run(String... args) {
        return run(
                new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8),
                args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        CheckMain command = new CheckMain();
        command.stdout = out;
        command.stderr = err;
        CommandLine cli = new CommandLine(command).setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            err.println("cannot check the history: " + e);
            return ERROR;
        });
        int code = cli.execute(args);
        return code == VALID || code == INVALID ? code : ERROR;
    }

    @Override
    public Integer call() throws Exception {
        List<Event> events = HistoryReader.read(history);
        CheckResult result = Checker.check(events);
        Path dir = out != null ? out : history.toAbsolutePath().getParent();
        Report.write(dir, events, result);
        stdout.print(Report.summary(result));
        stdout.println("report: " + dir.resolve(Report.TIMELINE));
        stdout.flush();
        stderr.flush();
        return result.valid() ? VALID : INVALID;
    }
}
