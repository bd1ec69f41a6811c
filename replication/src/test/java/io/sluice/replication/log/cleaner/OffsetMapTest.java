package io.sluice.replication.log.cleaner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OffsetMapTest {

    private static ByteBuffer key(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheLatestOffsetPerKeyUpToItsCapacity() {
        OffsetMap map = new OffsetMap(24 * 1000, 0.5);
        assertThat(map.capacity()).isEqualTo(500);
        for (int i = 0; i < 500; i++) {
            map.put(key("k" + (i % 250)), i);
        }
        assertThat(map.size()).isEqualTo(250);
        assertThat(map.get(key("k3"))).isEqualTo(253);
        assertThat(map.get(key("absent"))).isEqualTo(-1);
        assertThat(map.latestOffset()).isEqualTo(499);
        for (int i = 250; i < 500; i++) {
            map.put(key("k" + i), i);
        }
        assertThat(map.isFull()).isTrue();
        assertThatThrownBy(() -> map.put(key("one-too-many"), 1)).isInstanceOf(IllegalStateException.class);
        map.put(key("k1"), 1000);
        assertThat(map.get(key("k1"))).isEqualTo(1000);

        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.get(key("k1"))).isEqualTo(-1);
        assertThat(map.latestOffset()).isEqualTo(-1);
    }
}
