package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.SecurityProtocol;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /brokers/ids/N} (ephemeral, owned by broker N). Written in Kafka's version 5 layout:
 *
 * <pre>{@code
 * {"version":5,"host":"h","port":9092,"endpoints":["PLAINTEXT://h:9092"],
 *  "listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"rack":"r1","jmx_port":-1,
 *  "features":{},"timestamp":"1700000000000"}
 * }</pre>
 *
 * {@code host}/{@code port} repeat the first PLAINTEXT endpoint (null/-1 without one), {@code rack} is omitted when
 * unset. Decoding accepts versions 1 to 5: without {@code endpoints} the broker has one PLAINTEXT endpoint from
 * {@code host}/{@code port}; without the protocol map each listener name is its protocol. The znode's czxid is the
 * broker epoch; it is not part of the data and is passed to {@link #decode}.
 */
public final class BrokerIdZNode {
    private BrokerIdZNode() {}

    public static final int VERSION = 5;
    private static final Pattern ENDPOINT =
            Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)://\\[?([0-9a-zA-Z\\-%._:]*?)\\]?:(-?[0-9]+)$");

    public static String path(int brokerId) {
        return ZkPaths.BROKER_IDS + "/" + brokerId;
    }

    /** The broker id named by a child of {@code /brokers/ids}, empty if it is not a number. */
    public static Optional<Integer> parseBrokerId(String child) {
        try {
            return Optional.of(Integer.parseInt(ZkPaths.lastSegment(child)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public static byte[] encode(BrokerInfo broker, long timestampMs) {
        ObjectNode n = ZkJson.object();
        n.put("version", VERSION);
        Optional<Endpoint> plain = broker.endpoints().stream()
                .filter(e -> e.securityProtocol() == SecurityProtocol.PLAINTEXT)
                .findFirst();
        if (plain.isPresent()) {
            n.put("host", plain.get().host());
            n.put("port", plain.get().port());
        } else {
            n.putNull("host");
            n.put("port", -1);
        }
        ArrayNode endpoints = n.putArray("endpoints");
        ObjectNode protocolMap = ZkJson.object();
        for (Endpoint e : broker.endpoints()) {
            endpoints.add(e.connectionString());
            protocolMap.put(e.listenerName(), e.securityProtocol().name());
        }
        n.set("listener_security_protocol_map", protocolMap);
        broker.rack().ifPresent(r -> n.put("rack", r));
        n.put("jmx_port", -1);
        n.putObject("features");
        n.put("timestamp", Long.toString(timestampMs));
        return ZkJson.bytes(n);
    }

    /**
     * Decodes the registration of {@code brokerId}.
     *
     * @param brokerEpoch the czxid of the znode
     */
    public static BrokerInfo decode(int brokerId, byte[] data, long brokerEpoch) {
        String path = path(brokerId);
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, VERSION);
        Map<String, SecurityProtocol> protocols = new HashMap<>();
        JsonNode map = n.get("listener_security_protocol_map");
        if (map != null && !map.isNull()) {
            if (!map.isObject()) {
                throw new ZkDataException(path, "listener_security_protocol_map is not an object: " + map);
            }
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                protocols.put(
                        e.getKey().toUpperCase(Locale.ROOT),
                        protocol(path, e.getValue().asText()));
            }
        }
        List<Endpoint> endpoints = new ArrayList<>();
        JsonNode eps = n.get("endpoints");
        if (eps != null && !eps.isNull()) {
            if (!eps.isArray()) {
                throw new ZkDataException(path, "endpoints is not an array: " + eps);
            }
            for (JsonNode ep : eps) {
                endpoints.add(parseEndpoint(path, ep.asText(), protocols));
            }
        } else {
            endpoints.add(Endpoint.plaintext(ZkJson.stringField(path, n, "host"), ZkJson.intField(path, n, "port")));
        }
        JsonNode rack = n.get("rack");
        Optional<String> rackValue = rack == null || rack.isNull() ? Optional.empty() : Optional.of(rack.asText());
        return new BrokerInfo(brokerId, endpoints, rackValue, brokerEpoch);
    }

    private static Endpoint parseEndpoint(String path, String s, Map<String, SecurityProtocol> protocols) {
        Matcher m = ENDPOINT.matcher(s);
        if (!m.matches()) {
            throw new ZkDataException(path, "malformed endpoint '" + s + "'");
        }
        String name = m.group(1).toUpperCase(Locale.ROOT);
        SecurityProtocol protocol = protocols.containsKey(name) ? protocols.get(name) : protocol(path, name);
        try {
            return new Endpoint(name, protocol, m.group(2), Integer.parseInt(m.group(3)));
        } catch (IllegalArgumentException e) {
            throw new ZkDataException(path, "malformed endpoint '" + s + "'", e);
        }
    }

    private static SecurityProtocol protocol(String path, String name) {
        try {
            return SecurityProtocol.forName(name);
        } catch (IllegalArgumentException e) {
            throw new ZkDataException(path, "unknown security protocol '" + name + "'", e);
        }
    }
}
