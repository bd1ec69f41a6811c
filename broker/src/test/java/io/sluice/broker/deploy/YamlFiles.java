package io.sluice.broker.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the repository's deployment files (compose, Kubernetes manifests, Prometheus configuration) as a YAML tool
 * would: anchors, aliases and merge keys are expanded. Scalars come back as their text ({@code 9092} and
 * {@code "9092"} alike), as compose and Kubernetes hand environment values on; mappings keep their order.
 *
 * <p>Concurrency: stateless (a new loader per call).
 */
final class YamlFiles {
    private YamlFiles() {}

    /** All documents of a (possibly multi-document) text; empty documents are skipped. */
    static List<Object> parseAll(String text) {
        List<Object> docs = new ArrayList<>();
        for (Object doc : loader().loadAll(text)) {
            if (doc != null) {
                docs.add(plain(doc));
            }
        }
        return docs;
    }

    /**
     * All documents of a text with their scalars typed as YAML resolves them ({@code 3} an integer, {@code "3"} a
     * string, {@code true} a boolean), as a schema validator must see them; mappings keep their order.
     */
    static List<Object> parseAllTyped(String text) {
        List<Object> docs = new ArrayList<>();
        for (Object doc : loader().loadAll(text)) {
            if (doc != null) {
                docs.add(doc);
            }
        }
        return docs;
    }

    /** A single-document text. */
    static Object parse(String text) {
        List<Object> docs = parseAll(text);
        if (docs.size() != 1) {
            throw new IllegalArgumentException("Expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    private static Yaml loader() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }

    private static Object plain(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(plain(v)));
            return out;
        }
        return node == null ? null : String.valueOf(node);
    }
}
