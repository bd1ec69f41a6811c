package io.sluice.metadata.zk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Jackson helpers shared by the znode codecs: one thread-safe {@link ObjectMapper}, strict field readers that name
 * the znode path in their errors, and tolerant handling of unknown fields (decoders read only what they know).
 */
final class ZkJson {
    private ZkJson() {}

    static final ObjectMapper MAPPER = new ObjectMapper();

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ArrayNode intArray(List<Integer> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode " + node, e);
        }
    }

    /** Parses {@code data} as a JSON object. */
    static ObjectNode parseObject(String path, byte[] data) {
        if (data == null || data.length == 0) {
            throw new ZkDataException(path, "empty data");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            throw new ZkDataException(path, "invalid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new ZkDataException(path, "unreadable data (" + e.getMessage() + ")", e);
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ZkDataException(path, "expected a JSON object but got " + node.getNodeType());
        }
        return obj;
    }

    static JsonNode required(String path, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new ZkDataException(path, "missing field '" + field + "'");
        }
        return v;
    }

    static int intField(String path, JsonNode node, String field) {
        JsonNode v = required(path, node, field);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ZkDataException(path, "field '" + field + "' is not an int: " + v);
        }
        return v.intValue();
    }

    /** An int written as a JSON number or a decimal string (Kafka writes some versions as strings). */
    static int intOrStringField(String path, JsonNode node, String field) {
        JsonNode v = required(path, node, field);
        if (v.isTextual()) {
            try {
                return Integer.parseInt(v.textValue().trim());
            } catch (NumberFormatException e) {
                throw new ZkDataException(path, "field '" + field + "' is not an int: " + v, e);
            }
        }
        return intField(path, node, field);
    }

    /** A long written as a decimal string or a JSON number. */
    static long longOrStringField(String path, JsonNode node, String field) {
        JsonNode v = required(path, node, field);
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.textValue().trim());
            } catch (NumberFormatException e) {
                throw new ZkDataException(path, "field '" + field + "' is not a long: " + v, e);
            }
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ZkDataException(path, "field '" + field + "' is not a long: " + v);
        }
        return v.longValue();
    }

    static String stringField(String path, JsonNode node, String field) {
        JsonNode v = required(path, node, field);
        if (!v.isTextual()) {
            throw new ZkDataException(path, "field '" + field + "' is not a string: " + v);
        }
        return v.textValue();
    }

    static List<Integer> intList(String path, JsonNode array, String what) {
        if (!array.isArray()) {
            throw new ZkDataException(path, what + " is not an array: " + array);
        }
        List<Integer> out = new ArrayList<>(array.size());
        for (JsonNode e : array) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new ZkDataException(path, what + " holds a non-int element: " + e);
            }
            out.add(e.intValue());
        }
        return out;
    }

    /** Checks that {@code version} is within {@code [min, max]}. */
    static int checkVersion(String path, int version, int min, int max) {
        if (version < min || version > max) {
            throw new ZkDataException(path, "unsupported version " + version + " (supported " + min + ".." + max + ")");
        }
        return version;
    }
}
