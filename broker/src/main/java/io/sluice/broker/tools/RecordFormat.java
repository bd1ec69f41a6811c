package io.sluice.broker.tools;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The {@code consume --format} template, kcat-style: {@code %t} topic, {@code %p} partition, {@code %o} offset,
 * {@code %T} timestamp (ms), {@code %k} key, {@code %v} (or {@code %s}) value, {@code %h} headers as
 * {@code k=v,k=v}, {@code %K} key length, {@code %S} value length ({@code -1} for null), {@code %%} a percent sign;
 * escapes {@code \n}, {@code \t} and {@code \\}. Keys, values and headers print as UTF-8, null as empty. Each record's
 * text is followed by a newline.
 *
 * <p>Immutable and thread-safe.
 */
final class RecordFormat {
    static final String DEFAULT = "%v";

    private final List<Function<ConsumerRecord<byte[], byte[]>, String>> parts;

    private RecordFormat(List<Function<ConsumerRecord<byte[], byte[]>, String>> parts) {
        this.parts = List.copyOf(parts);
    }

    /** @throws UsageException naming an unknown token or escape */
    static RecordFormat parse(String template) throws UsageException {
        List<Function<ConsumerRecord<byte[], byte[]>, String>> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%' && c != '\\') {
                literal.append(c);
                continue;
            }
            if (i + 1 >= template.length()) {
                throw new UsageException("--format ends with a lone '" + c + "'");
            }
            char next = template.charAt(++i);
            if (c == '\\') {
                switch (next) {
                    case 'n' -> literal.append('\n');
                    case 't' -> literal.append('\t');
                    case '\\' -> literal.append('\\');
                    default -> throw new UsageException("--format has an unknown escape '\\" + next + "'");
                }
                continue;
            }
            if (next == '%') {
                literal.append('%');
                continue;
            }
            Function<ConsumerRecord<byte[], byte[]>, String> token = switch (next) {
                case 't' -> ConsumerRecord::topic;
                case 'p' -> r -> String.valueOf(r.partition());
                case 'o' -> r -> String.valueOf(r.offset());
                case 'T' -> r -> String.valueOf(r.timestamp());
                case 'k' -> r -> text(r.key());
                case 'v', 's' -> r -> text(r.value());
                case 'K' -> r -> String.valueOf(r.key() == null ? -1 : r.key().length);
                case 'S' -> r -> String.valueOf(r.value() == null ? -1 : r.value().length);
                case 'h' -> RecordFormat::headers;
                default ->
                    throw new UsageException(
                            "--format has an unknown token '%" + next + "' (known: %t %p %o %T %k %v %s %h %K %S %%)");
            };
            if (!literal.isEmpty()) {
                String fixed = literal.toString();
                parts.add(r -> fixed);
                literal.setLength(0);
            }
            parts.add(token);
        }
        if (!literal.isEmpty()) {
            String fixed = literal.toString();
            parts.add(r -> fixed);
        }
        return new RecordFormat(parts);
    }

    String render(ConsumerRecord<byte[], byte[]> record) {
        StringBuilder out = new StringBuilder();
        for (Function<ConsumerRecord<byte[], byte[]>, String> part : parts) {
            out.append(part.apply(record));
        }
        return out.toString();
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String headers(ConsumerRecord<byte[], byte[]> record) {
        StringBuilder out = new StringBuilder();
        for (Header h : record.headers()) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(h.key()).append('=').append(text(h.value()));
        }
        return out.toString();
    }
}
