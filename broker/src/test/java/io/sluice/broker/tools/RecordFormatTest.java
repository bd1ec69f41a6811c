package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordFormatTest {

    private static ConsumerRecord<byte[], byte[]> record(String key, String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader("a", "1".getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader("b", "x y".getBytes(StandardCharsets.UTF_8)));
        return new ConsumerRecord<>(
                "orders",
                2,
                41L,
                1_700_000_000_123L,
                TimestampType.CREATE_TIME,
                key == null ? -1 : key.length(),
                value == null ? -1 : value.length(),
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                headers,
                Optional.empty());
    }

    @Test
    void everyTokenRenders() throws Exception {
        RecordFormat format = RecordFormat.parse("%t/%p@%o %T [%k=%v|%s] {%h} %K %S 100%%");
        assertThat(format.render(record("id-7", "héllo")))
                .isEqualTo("orders/2@41 1700000000123 [id-7=héllo|héllo] {a=1,b=x y} 4 6 100%");
    }

    @Test
    void nullKeyAndValuePrintEmptyWithLengthMinusOne() throws Exception {
        assertThat(RecordFormat.parse("<%k><%v> %K %S").render(record(null, null)))
                .isEqualTo("<><> -1 -1");
    }

    @Test
    void escapesAndTheDefault() throws Exception {
        assertThat(RecordFormat.parse("%k\\t%v\\n\\\\").render(record("k", "v")))
                .isEqualTo("k\tv\n\\");
        assertThat(RecordFormat.parse(RecordFormat.DEFAULT).render(record("k", "v")))
                .isEqualTo("v");
    }

    @Test
    void unknownTokensAndEscapesAreUsageErrorsNamingThem() {
        assertThatThrownBy(() -> RecordFormat.parse("%v %x"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("'%x'");
        assertThatThrownBy(() -> RecordFormat.parse("%v\\q"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("\\q");
        assertThatThrownBy(() -> RecordFormat.parse("%v%"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("lone");
    }
}
