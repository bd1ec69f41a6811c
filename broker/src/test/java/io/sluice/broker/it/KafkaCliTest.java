package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing the tables {@code kafka-consumer-groups --describe} prints. */
class KafkaCliTest {

    @Test
    void everyRowOfEveryTableBecomesAColumnToValueMap() {
        String out = """

                GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
                g               t               0          5               30              25              consumer-1-ab   /127.0.0.1      member-a
                g               t               1          -               30              -               -               -               -

                GROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
                g               127.0.0.1:9092  (2)       range                Stable          2
                """;
        List<Map<String, String>> rows = KafkaCli.table(out, "GROUP");
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0))
                .containsEntry("PARTITION", "0")
                .containsEntry("LAG", "25")
                .containsEntry("HOST", "/127.0.0.1")
                .containsEntry("CLIENT-ID", "member-a");
        assertThat(rows.get(1)).containsEntry("CURRENT-OFFSET", "-").containsEntry("CONSUMER-ID", "-");
        assertThat(rows.get(2))
                .containsEntry("COORDINATOR", "127.0.0.1:9092")
                .containsEntry("(ID)", "(2)")
                .containsEntry("STATE", "Stable");
    }

    @Test
    void aRowThatDoesNotFitItsHeaderIsAnError() {
        assertThatThrownBy(() -> KafkaCli.table("GROUP TOPIC\ng t extra\n", "GROUP"))
                .hasMessageContaining("columns");
    }

    @Test
    void linesOutsideATableAreIgnored() {
        assertThat(KafkaCli.table("Consumer group 'g' has no active members.\n", "GROUP"))
                .isEmpty();
    }
}
