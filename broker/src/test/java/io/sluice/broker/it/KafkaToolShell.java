package io.sluice.broker.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One child JVM on a tool class path that runs Kafka command-line tools one after another, so a test that runs many
 * of them pays for one JVM start and one load of Scala and Kafka's classes instead of one per command.
 *
 * <p>The child ({@link #main}) uses JDK classes only. It reads commands from stdin (per command: the number of words,
 * then each word as modified UTF-8: main class, then arguments), runs the main class's {@code main}, and answers on
 * stdout with the exit code and what the command printed to stdout and stderr. Kafka's {@code Exit.exit} is turned
 * into an exception that ends the command with its status (as {@code kafka-*.sh} would exit with it); a command that
 * returns normally exits 0. {@code System.out} and {@code System.err} are replaced once, before any tool class loads,
 * by streams that write to the current command's buffers (Scala's {@code Console} keeps the stream it first sees).
 *
 * <p>Concurrency: the parent side is meant for one test thread at a time.
 */
final class KafkaToolShell implements AutoCloseable {
    private final Process process;
    private final DataOutputStream commands;
    private final DataInputStream answers;
    private final Path log;

    private KafkaToolShell(Process process, Path log) {
        this.process = process;
        this.commands = new DataOutputStream(process.getOutputStream());
        this.answers = new DataInputStream(process.getInputStream());
        this.log = log;
    }

    /** Starts the shell on {@code toolClassPath}; the child's own stderr goes to a file in {@code dir}. */
    static KafkaToolShell start(Path dir, String toolClassPath) throws IOException {
        Files.createDirectories(dir);
        String self;
        try {
            self = Path.of(KafkaToolShell.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path log = Files.createTempFile(dir, "kafka-tool-shell", ".err");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                toolClassPath + java.io.File.pathSeparator + self,
                KafkaToolShell.class.getName());
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new KafkaToolShell(process, log);
    }

    /** Runs {@code tool}'s main with {@code args}; fails if it has not ended within {@code limit}. */
    KafkaCli.Result run(Duration limit, String tool, String... args) throws IOException, InterruptedException {
        commands.writeInt(args.length + 1);
        commands.writeUTF(tool);
        for (String arg : args) {
            commands.writeUTF(arg);
        }
        commands.flush();
        String command = tool.substring(tool.lastIndexOf('.') + 1) + " " + String.join(" ", args);
        CompletableFuture<KafkaCli.Result> answer = CompletableFuture.supplyAsync(() -> {
            try {
                int code = answers.readInt();
                return new KafkaCli.Result(command, code, readText(answers), readText(answers));
            } catch (IOException e) {
                throw new IllegalStateException("the tool shell ended", e);
            }
        });
        try {
            return answer.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            throw new AssertionError(
                    command + " did not answer within " + limit + "; shell log:\n" + Files.readString(log), e);
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Ends the child (closing its stdin ends its loop), killing it if it does not end at once. */
    @Override
    public void close() throws InterruptedException {
        try {
            commands.close();
        } catch (IOException e) {
            // the child is gone already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- the child

    /** Kafka's {@code Exit.exit} inside a command: ends the command with this status. */
    private static final class ExitCalled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ExitCalled(int status) {
            super("exit " + status, null, false, false);
            this.status = status;
        }
    }

    /** An output stream that writes to whichever buffer is current. */
    private static final class Switch extends OutputStream {
        private volatile ByteArrayOutputStream target = new ByteArrayOutputStream();

        ByteArrayOutputStream swap() {
            ByteArrayOutputStream previous = target;
            target = new ByteArrayOutputStream();
            return previous;
        }

        @Override
        public void write(int b) {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
        }
    }

    /** The child's loop (see the class comment). */
    public static void main(String[] args) throws Exception {
        DataOutputStream answers = new DataOutputStream(new FileOutputStream(FileDescriptor.out));
        DataInputStream commands = new DataInputStream(System.in);
        Switch out = new Switch();
        Switch err = new Switch();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        installExitProcedure();
        while (true) {
            int words;
            try {
                words = commands.readInt();
            } catch (IOException end) {
                return;
            }
            List<String> argv = new ArrayList<>();
            for (int i = 0; i < words; i++) {
                argv.add(commands.readUTF());
            }
            int status = runOne(argv);
            System.out.flush();
            System.err.flush();
            answers.writeInt(status);
            writeText(answers, out.swap());
            writeText(answers, err.swap());
            answers.flush();
        }
    }

    /**
     * The status of the command's first {@code Exit.exit}: a real exit ends the JVM there, whereas the exception that
     * stands for it here may be caught by a tool's catch-all, which then exits again with another status.
     */
    private static volatile Integer firstExit;

    private static int runOne(List<String> argv) {
        firstExit = null;
        try {
            Method main = Class.forName(argv.get(0)).getMethod("main", String[].class);
            main.invoke(null, (Object) argv.subList(1, argv.size()).toArray(String[]::new));
            return firstExit == null ? 0 : firstExit;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ExitCalled exit) {
                return firstExit == null ? exit.status : firstExit;
            }
            e.getCause().printStackTrace(System.err);
            return 1;
        } catch (ReflectiveOperationException e) {
            e.printStackTrace(System.err);
            return 1;
        }
    }

    /** {@code org.apache.kafka.common.utils.Exit.setExitProcedure(...)}: exits become {@link ExitCalled}. */
    private static void installExitProcedure() throws ReflectiveOperationException {
        Class<?> exit = Class.forName("org.apache.kafka.common.utils.Exit");
        Class<?> procedure = Class.forName("org.apache.kafka.common.utils.Exit$Procedure");
        Object throwing = Proxy.newProxyInstance(
                KafkaToolShell.class.getClassLoader(), new Class<?>[] {procedure}, (proxy, method, methodArgs) -> {
                    if (method.getName().equals("execute")) {
                        int status = (Integer) methodArgs[0];
                        if (firstExit == null) {
                            firstExit = status;
                        }
                        throw new ExitCalled(status);
                    }
                    return method.getDeclaringClass() == Object.class ? objectMethod(proxy, method, methodArgs) : null;
                });
        exit.getMethod("setExitProcedure", procedure).invoke(null, throwing);
        exit.getMethod("setHaltProcedure", procedure).invoke(null, throwing);
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "KafkaToolShell exit procedure " + Arrays.toString(args);
        };
    }

    private static void writeText(DataOutputStream answers, ByteArrayOutputStream text) throws IOException {
        byte[] bytes = text.toByteArray();
        answers.writeInt(bytes.length);
        answers.write(bytes);
    }
}
