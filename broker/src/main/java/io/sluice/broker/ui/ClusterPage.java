package io.sluice.broker.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;

/**
 * The cluster page's two answers: the page itself ({@value #PAGE_PATH}, a classpath resource of plain HTML, CSS and
 * JavaScript that needs nothing from the network) and the document it polls every two seconds ({@value #JSON_PATH}).
 *
 * <p>Concurrency: immutable after construction; {@link #json()} builds a fresh document per call and is safe from any
 * thread.
 */
public final class ClusterPage {
    public static final String PAGE_PATH = "/ui";
    public static final String JSON_PATH = "/ui/cluster.json";
    public static final String HTML_CONTENT_TYPE = "text/html; charset=utf-8";
    public static final String JSON_CONTENT_TYPE = "application/json";

    private static final String RESOURCE = "cluster.html";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterView view;
    private final Clock clock;
    private final String html;

    public ClusterPage(ClusterView view, Clock clock) {
        this.view = Objects.requireNonNull(view, "view");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.html = loadPage();
    }

    /** The page. */
    public String html() {
        return html;
    }

    /** The current document as JSON. */
    public String json() {
        try {
            return JSON.writeValueAsString(view.document(clock.millis()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the cluster document", e);
        }
    }

    private static String loadPage() {
        try (InputStream in = ClusterPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
