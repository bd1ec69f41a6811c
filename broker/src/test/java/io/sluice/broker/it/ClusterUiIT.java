package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The cluster page ({@code /ui} on the metrics port) in a real headless Chromium: three in-JVM brokers on racks r1, r2,
 * r3, broker 1 serving the page. The page shows the three brokers on their racks and a topic's full ISR; after broker 3
 * is killed it shows broker 3 down, the ISR without it and the partitions under-replicated. Screenshots of both states
 * land in {@code target/cluster-ui/}.
 *
 * <p>The browser is Debian's {@code chromium} with its {@code chromium-driver} ({@code /usr/bin/chromedriver}), named
 * explicitly so that Selenium never downloads one. Without them the test is skipped and says why.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterUiIT {
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final List<Path> CHROMIUM =
            List.of(Path.of("/usr/lib/chromium/chromium"), Path.of("/usr/bin/chromium"));
    private static final Path SCREENSHOTS = Path.of("target", "cluster-ui");
    private static final String TOPIC = "orders";
    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

    /** What the page shows, read in one script so that a re-render cannot tear it. */
    private static final String READ_PAGE = """
            const racks = {};
            for (const rack of document.querySelectorAll('[data-rack]')) {
              racks[rack.dataset.rack] = [...rack.querySelectorAll('[data-broker]')]
                  .map(b => b.dataset.broker + (b.dataset.alive === 'true' ? '' : ' down'));
            }
            const rows = {};
            for (const row of document.querySelectorAll('table[data-topic="orders"] tr[data-partition]')) {
              rows[row.dataset.partition] = {isr: row.dataset.isr, status: row.className};
            }
            const under = document.getElementById('under-replicated');
            return JSON.stringify({racks, rows, under: under ? under.textContent : null});
            """;

    private final ObjectMapper json = new ObjectMapper();
    private WebDriver browser;
    private InJvmCluster cluster;

    @BeforeEach
    void startBrowser() {
        Path chromium =
                CHROMIUM.stream().filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMEDRIVER) && chromium != null,
                "no Chromium: install the Debian packages chromium and chromium-driver to run this test");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(20))
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary(chromium.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-dev-shm-usage",
                        "--disable-gpu",
                        "--disable-extensions",
                        "--window-size=1280,1000");
        try {
            browser = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            Assumptions.abort("Chromium could not start (" + e.getClass().getSimpleName() + ": "
                    + firstLine(e.getMessage()) + ")");
        }
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void pageShowsBrokersByRackAndTheIsrShrinkAfterABrokerIsKilled() throws Exception {
        int uiPort = freePort();
        cluster = InJvmCluster.start(
                3, Map.of(), List.of("r1", "r2", "r3"), Map.of(1, Map.of("metrics.port", Integer.toString(uiPort))));
        cluster.createTopicAndAwaitFullIsr(TOPIC, 3, 3, Map.of());

        browser.get("http://127.0.0.1:" + uiPort + "/ui");
        await("three brokers on three racks and a full ISR").atMost(PAGE_WAIT).untilAsserted(() -> {
            JsonNode page = readPage();
            assertThat(page.get("racks").toString()).isEqualTo("{\"r1\":[\"1\"],\"r2\":[\"2\"],\"r3\":[\"3\"]}");
            assertThat(page.get("rows")).hasSize(3);
            for (JsonNode row : page.get("rows")) {
                assertThat(isr(row)).containsExactly(1, 2, 3);
                assertThat(row.get("status").asText()).isEqualTo("ok");
            }
            assertThat(page.get("under").asText()).isEqualTo("under-replicated: 0");
        });
        screenshot("cluster-healthy.png");

        cluster.kill(3);
        cluster.awaitIsr(new TopicPartition(TOPIC, 0), 2);
        await("broker 3 down and the ISR shrunk to 1, 2").atMost(PAGE_WAIT).untilAsserted(() -> {
            JsonNode page = readPage();
            assertThat(page.get("racks").get("r3").toString()).isEqualTo("[\"3 down\"]");
            for (JsonNode row : page.get("rows")) {
                assertThat(isr(row)).containsExactly(1, 2);
                assertThat(row.get("status").asText()).isEqualTo("under-replicated");
            }
            assertThat(page.get("under").asText()).isEqualTo("under-replicated: 3");
        });
        screenshot("cluster-broker-3-killed.png");
    }

    private JsonNode readPage() throws IOException {
        Object result = ((JavascriptExecutor) browser).executeScript(READ_PAGE);
        return json.readTree(String.valueOf(result));
    }

    private static TreeSet<Integer> isr(JsonNode row) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (String id : row.get("isr").asText().split(",")) {
            ids.add(Integer.parseInt(id.trim()));
        }
        return ids;
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name), png);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        return message.lines().findFirst().orElse("no message");
    }
}
