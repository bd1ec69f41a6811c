package io.sluice.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.junit.jupiter.api.Test;

/** Validation of AlterClientQuotas entries: entity types, default names, quota keys and values. */
class ClientQuotaHandlersTest {

    private static AlterClientQuotasRequestData.EntityData part(String type, String name) {
        return new AlterClientQuotasRequestData.EntityData().setEntityType(type).setEntityName(name);
    }

    private static AlterClientQuotasRequestData.OpData set(String key, double value) {
        return new AlterClientQuotasRequestData.OpData().setKey(key).setValue(value);
    }

    @Test
    void entitiesAreUsersClientIdsOrBothWithNullForTheDefault() {
        assertThat(ClientQuotaHandlers.entity(List.of(part("user", "alice"), part("client-id", null))))
                .isEqualTo(QuotaEntity.of("alice", QuotaEntity.DEFAULT));
        assertThat(ClientQuotaHandlers.entity(List.of(part("client-id", "app"))))
                .isEqualTo(QuotaEntity.ofClient("app"));
        assertThatThrownBy(() -> ClientQuotaHandlers.entity(List.of(part("ip", "1.2.3.4"))))
                .hasMessageContaining("ip");
        assertThatThrownBy(() -> ClientQuotaHandlers.entity(List.of(part("user", "a"), part("user", "b"))))
                .hasMessageContaining("Duplicate");
        assertThatThrownBy(() -> ClientQuotaHandlers.entity(List.of())).hasMessageContaining("no user");
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() {
        ClientQuotaHandlers.checkOp(set("producer_byte_rate", 1_048_576));
        ClientQuotaHandlers.checkOp(set("request_percentage", 12.5));
        assertThatThrownBy(() -> ClientQuotaHandlers.checkOp(set("producer_byte_rat", 10)))
                .isInstanceOf(ClientQuotaHandlers.InvalidQuotaException.class)
                .hasMessageContaining("producer_byte_rat");
        assertThatThrownBy(() -> ClientQuotaHandlers.checkOp(set("consumer_byte_rate", 1.5)))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> ClientQuotaHandlers.checkOp(set("consumer_byte_rate", 0)))
                .hasMessageContaining("positive");
        // a removal needs no value
        ClientQuotaHandlers.checkOp(new AlterClientQuotasRequestData.OpData()
                .setKey("producer_byte_rate")
                .setRemove(true));
    }
}
