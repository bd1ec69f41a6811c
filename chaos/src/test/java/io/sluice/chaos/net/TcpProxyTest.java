package io.sluice.chaos.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpProxyTest {
    private ServerSocket echo;
    private final AtomicLong received = new AtomicLong();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private TcpProxy proxy;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(
                () -> {
                    while (!echo.isClosed()) {
                        try {
                            Socket s = echo.accept();
                            accepted.add(s);
                            Thread t = new Thread(() -> echoLoop(s), "echo");
                            t.setDaemon(true);
                            t.start();
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = new TcpProxy("test", 0, echo.getLocalPort()).start();
    }

    private void echoLoop(Socket s) {
        byte[] buf = new byte[1024];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.addAndGet(n);
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        }
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(3_000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
        byte[] back = s.getInputStream().readNBytes(bytes.length);
        return new String(back, StandardCharsets.UTF_8);
    }

    @Test
    void forwardsBothWaysWhenOpen() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
            assertThat(roundTrip(s, "again")).isEqualTo("again");
        }
    }

    @Test
    void cutSilencesTheLinkAndHealClosesItsConnections() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "before")).isEqualTo("before");
            proxy.setRule(LinkRule.CUT);
            long before = received.get();
            s.setSoTimeout(500);
            assertThatThrownBy(() -> roundTrip(s, "during")).isInstanceOf(SocketTimeoutException.class);
            assertThat(received.get()).isEqualTo(before);

            // A connection made while cut is accepted but nothing answers.
            try (Socket during = connect()) {
                during.setSoTimeout(500);
                assertThatThrownBy(() -> roundTrip(during, "x")).isInstanceOf(SocketTimeoutException.class);
                proxy.setRule(LinkRule.OPEN);
                // The healed proxy closes what lived through the cut: the peer sees the end of its stream.
                during.setSoTimeout(3_000);
                assertThat(readEndOrReset(during)).isTrue();
            }
            assertThat(readEndOrReset(s)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connectionCount() == 0);
        try (Socket fresh = connect()) {
            assertThat(roundTrip(fresh, "after")).isEqualTo("after");
        }
    }

    private static boolean readEndOrReset(Socket s) {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void dropUpDiscardsRequestsOnly() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            proxy.setRule(LinkRule.oneWay(true));
            long before = received.get();
            s.setSoTimeout(500);
            assertThatThrownBy(() -> roundTrip(s, "lost")).isInstanceOf(SocketTimeoutException.class);
            assertThat(received.get()).isEqualTo(before);
        }
    }

    @Test
    void dropDownDeliversRequestsButNotAnswers() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            proxy.setRule(LinkRule.oneWay(false));
            long before = received.get();
            s.setSoTimeout(500);
            assertThatThrownBy(() -> roundTrip(s, "seen")).isInstanceOf(SocketTimeoutException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> received.get() == before + 4);
        }
    }

    @Test
    void latencyDelaysEachDirectionWithoutReordering() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "warm")).isEqualTo("warm");
            proxy.setRule(LinkRule.latency(300));
            long start = System.nanoTime();
            s.getOutputStream().write("one".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write("two".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            byte[] back = s.getInputStream().readNBytes(6);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("onetwo");
            assertThat(elapsedMs).isGreaterThanOrEqualTo(580);

            // Latency drops nothing, so removing it keeps the connection.
            proxy.setRule(LinkRule.OPEN);
            long healed = System.nanoTime();
            assertThat(roundTrip(s, "fast")).isEqualTo("fast");
            assertThat((System.nanoTime() - healed) / 1_000_000).isLessThan(300);
        }
    }

    @Test
    void refusesWhenUpstreamIsDown() throws IOException {
        echo.close();
        try (Socket s = connect()) {
            assertThat(readEndOrReset(s)).isTrue();
        }
    }
}
