import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises JFR recordings of the brokers of one system (deploy/bench/side-by-side.sh --profile): CPU samples
 * ({@code jdk.ExecutionSample}) by thread group, by top frame (self) and by frame anywhere on the stack (total), and
 * allocation samples ({@code jdk.ObjectAllocationSample}, by their weight) by thread group, by allocated class and by
 * allocation site: the class with the first frame outside the JDK that allocated it. Thread names are grouped with
 * their digits replaced by {@code #}. A command-line tool: the summary goes to standard output.
 *
 * <p>Usage: {@code JfrSummary TITLE TOP FILE.jfr ...}
 */
public class JfrSummary {
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: JfrSummary TITLE TOP FILE.jfr ...");
            System.exit(2);
        }
        String title = args[0];
        int top = Integer.parseInt(args[1]);
        Map<String, Double> cpuThreads = new HashMap<>();
        Map<String, Double> self = new HashMap<>();
        Map<String, Double> total = new HashMap<>();
        Map<String, Double> allocThreads = new HashMap<>();
        Map<String, Double> allocClasses = new HashMap<>();
        Map<String, Double> allocSites = new HashMap<>();
        long cpuSamples = 0;
        long nativeSamples = 0;
        double allocBytes = 0;
        for (int i = 2; i < args.length; i++) {
            for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[i]))) {
                String type = e.getEventType().getName();
                if (type.equals("jdk.NativeMethodSample")) {
                    nativeSamples++;
                } else if (type.equals("jdk.ExecutionSample")) {
                    cpuSamples++;
                    add(cpuThreads, threadGroup(e.getThread("sampledThread")), 1);
                    List<RecordedFrame> frames = frames(e.getStackTrace());
                    if (!frames.isEmpty()) {
                        add(self, method(frames.get(0)), 1);
                    }
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame f : frames) {
                        if (seen.add(method(f))) {
                            add(total, method(f), 1);
                        }
                    }
                } else if (type.equals("jdk.ObjectAllocationSample")) {
                    double weight = e.getLong("weight");
                    allocBytes += weight;
                    String cls = e.getClass("objectClass").getName();
                    add(allocThreads, threadGroup(e.getThread("eventThread")), weight);
                    add(allocClasses, cls, weight);
                    add(allocSites, cls + " <- " + site(frames(e.getStackTrace())), weight);
                }
            }
        }
        System.out.printf(
                "==== %s: %d samples of threads running Java code (%d more in native code, mostly waiting, not"
                        + " counted), %.1f MB of sampled allocation weight%n",
                title, cpuSamples, nativeSamples, allocBytes / 1e6);
        print("CPU samples by thread group", cpuThreads, cpuSamples, top);
        print("Hottest frames (self: top of stack)", self, cpuSamples, top);
        print("Hottest frames (total: anywhere on the stack)", total, cpuSamples, top);
        print("Allocation by thread group", allocThreads, allocBytes, top);
        print("Allocation by class", allocClasses, allocBytes, top);
        print("Allocation sites (class <- first non-JDK frame, via the frame that allocated)", allocSites, allocBytes, top);
    }

    private static List<RecordedFrame> frames(RecordedStackTrace stack) {
        return stack == null ? List.of() : stack.getFrames();
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The first frame outside the JDK (the code that asked for the allocation) and the frame that allocated. */
    private static String site(List<RecordedFrame> frames) {
        if (frames.isEmpty()) {
            return "(no stack)";
        }
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                String caller = method(f) + ":" + f.getLineNumber();
                return f == frames.get(0) ? caller : caller + " (via " + method(frames.get(0)) + ")";
            }
        }
        return method(frames.get(0));
    }

    private static String threadGroup(RecordedThread t) {
        if (t == null) {
            return "(unknown)";
        }
        String name = t.getJavaName() != null ? t.getJavaName() : t.getOSName();
        return name == null ? "(unnamed)" : name.replaceAll("[0-9]+", "#");
    }

    private static void add(Map<String, Double> map, String key, double amount) {
        map.merge(key, amount, Double::sum);
    }

    private static void print(String heading, Map<String, Double> counts, double whole, int top) {
        System.out.println();
        System.out.println("-- " + heading);
        List<Map.Entry<String, Double>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        for (Map.Entry<String, Double> e : entries.subList(0, Math.min(top, entries.size()))) {
            System.out.printf("%6.1f%%  %s%n", whole == 0 ? 0 : 100 * e.getValue() / whole, e.getKey());
        }
    }
}
