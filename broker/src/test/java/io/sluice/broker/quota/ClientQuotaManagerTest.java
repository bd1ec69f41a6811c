package io.sluice.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.replication.quota.WindowedRate;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/** Throttle times from the windowed rate: Kafka's (observed - bound) / bound * window, and what they add up to. */
class ClientQuotaManagerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final long MB = 1_000_000;

    private final AtomicReference<Map<QuotaEntity, Map<String, Double>>> quotas = new AtomicReference<>(Map.of());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ClientQuotaManager manager =
            new ClientQuotaManager(quotas::get, 11, 1_000, new ClientQuotaMetrics(registry));

    @Test
    void throttleTimeIsWhatBringsTheRateBackToTheBound() {
        WindowedRate rate = new WindowedRate(11, 1_000);
        // 3 MB over 2 s (samples at 0 and 1 s) against 1 MB/s: observed 1.5 MB/s at t=2s,
        // (1.5 - 1) / 1 * 2 s = 1 s
        rate.record(0, MB);
        rate.record(1_000, 2 * MB);
        assertThat(ClientQuotaManager.throttleMs(rate, MB, 2_000, 11_000)).isEqualTo(1_000);
        // within the bound: no throttle
        assertThat(ClientQuotaManager.throttleMs(rate, 2 * MB, 2_000, 11_000)).isZero();
        // capped at the window
        assertThat(ClientQuotaManager.throttleMs(rate, 1_000, 2_000, 11_000)).isEqualTo(11_000);
    }

    @Test
    void requestPercentageCountsMicrosecondsOfHandlerTime() {
        // 100 % = one thread's whole time = 1,000,000 us per second
        assertThat(ClientQuotaManager.perSecond(QuotaType.REQUEST, 100.0)).isEqualTo(1_000_000);
        assertThat(ClientQuotaManager.perSecond(QuotaType.PRODUCE, 1_048_576.0)).isEqualTo(1_048_576);
    }

    @Test
    void noQuotaNoThrottleAndNoRate() {
        assertThat(manager.recordAndGetThrottleMs(ALICE, "app", QuotaType.PRODUCE, 100 * MB, 0))
                .isZero();
        assertThat(manager.rate(QuotaType.PRODUCE, "", "app", 0)).isZero();
    }

    @Test
    void aClientThatWaitsOutEveryThrottleIsHeldToItsQuota() {
        quotas.set(Map.of(QuotaEntity.ofClient("app"), Map.of(QuotaType.PRODUCE.key(), (double) MB)));
        // a client sending 100 KB requests as fast as it may: after each throttled answer it waits the throttle time
        long now = 0;
        long sent = 0;
        long throttled = 0;
        while (now < 60_000) {
            long throttleMs = manager.recordAndGetThrottleMs(ALICE, "app", QuotaType.PRODUCE, 100_000, now);
            sent += 100_000;
            if (throttleMs > 0) {
                throttled++;
            }
            now += Math.max(5, throttleMs);
        }
        assertThat(throttled).isPositive();
        // one sample's burst on top of 60 s at 1 MB/s
        assertThat(sent / 60.0).isCloseTo((double) MB, within(0.05 * MB));
        assertThat(manager.rate(QuotaType.PRODUCE, "", "app", now)).isCloseTo((double) MB, within(0.1 * MB));
        // another client id has no quota
        assertThat(manager.recordAndGetThrottleMs(ALICE, "other", QuotaType.PRODUCE, 100 * MB, now))
                .isZero();
        assertThat(registry.get(ClientQuotaMetrics.THROTTLE)
                        .tags("type", "produce", "entity", "clients/app")
                        .summary()
                        .max())
                .isPositive();
        assertThat(registry.get(ClientQuotaMetrics.AMOUNT)
                        .tags("type", "produce", "entity", "clients/app")
                        .counter()
                        .count())
                .isEqualTo((double) sent);
    }
}
