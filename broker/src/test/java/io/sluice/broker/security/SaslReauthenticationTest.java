package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sluice.broker.network.AnsweredRequest;
import io.sluice.testsupport.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * KIP-368 on the broker side: the session lifetime a SASL authentication announces, the end of a session that was not
 * renewed, re-authentication on the same connection answered in request order, and what it may not change.
 */
class SaslReauthenticationTest {
    private static final long LIFETIME_MS = 10_000;

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Object> passedOn = new ArrayList<>();
    private EmbeddedChannel channel;
    private int correlationId;
    /** The session lifetime the authentication is expected to announce. */
    private long currentLifetime;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private void connect(long lifetimeMs) {
        SaslMechanisms mechanisms = SaslMechanisms.of(
                List.of("PLAIN", "SCRAM-SHA-256"),
                Map.of("alice", "alice-secret", "bob", "bob-secret"),
                (user, mechanism) -> CompletableFuture.completedFuture(Optional.empty()),
                new SecureRandom());
        SaslServerHandler handler = new SaslServerHandler(
                "[test]",
                "c1",
                mechanisms,
                Duration.ofMillis(100),
                1 << 20,
                new SaslServerHandler.Reauthentication(
                        "CLIENT", mechanism -> lifetimeMs, clock::nanoseconds, new SaslMetrics(registry)));
        channel = new EmbeddedChannel(handler, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add(msg);
            }
        });
    }

    private void authenticate(String user) {
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        SaslHandshakeResponseData handshake =
                new SaslHandshakeResponseData(written(ApiKeys.SASL_HANDSHAKE, (short) 1), (short) 1);
        assertThat(handshake.errorCode()).isEqualTo(Errors.NONE.code());
        send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain(user)));
        SaslAuthenticateResponseData response =
                new SaslAuthenticateResponseData(written(ApiKeys.SASL_AUTHENTICATE, (short) 2), (short) 2);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.sessionLifetimeMs()).isEqualTo(currentLifetime);
    }

    @Test
    void aSessionAnnouncesItsLifetimeAndAConnectionThatDoesNotRenewItIsClosedAtItsNextRequest() {
        currentLifetime = LIFETIME_MS;
        connect(LIFETIME_MS);
        authenticate("alice");

        clock.advance(LIFETIME_MS - 1);
        sendMetadata();
        assertThat(passedOn).hasSize(1).first().isInstanceOf(ByteBuffer.class);

        clock.advance(1);
        sendMetadata();
        assertThat(passedOn).hasSize(1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(registry.get("sluice.sasl.expired.connections.killed")
                        .tag("listener", "CLIENT")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void reauthenticationIsAnsweredInRequestOrderAndRenewsTheSession() {
        currentLifetime = LIFETIME_MS;
        connect(LIFETIME_MS);
        authenticate("alice");

        clock.advance(9_000);
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        AnsweredRequest handshake = lastAnswered();
        assertThat(written(handshake, SaslHandshakeResponseData.class).errorCode())
                .isEqualTo(Errors.NONE.code());
        assertThat(channel.outboundMessages())
                .as("answered through the request handler, not directly")
                .isEmpty();

        send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain("alice")));
        SaslAuthenticateResponseData renewed = written(lastAnswered(), SaslAuthenticateResponseData.class);
        assertThat(renewed.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(renewed.sessionLifetimeMs()).isEqualTo(LIFETIME_MS);

        clock.advance(LIFETIME_MS - 1); // past the first session's end, inside the renewed one
        sendMetadata();
        assertThat(passedOn.get(passedOn.size() - 1)).isInstanceOf(ByteBuffer.class);
        assertThat(channel.isOpen()).isTrue();
        assertThat(reauthentications("success")).isEqualTo(1.0);
    }

    @Test
    void reauthenticationMayNotChangeThePrincipal() {
        currentLifetime = LIFETIME_MS;
        connect(LIFETIME_MS);
        authenticate("alice");

        clock.advance(2_000);
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        lastAnswered();
        send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain("bob")));
        SaslAuthenticateResponseData refused = written(lastAnswered(), SaslAuthenticateResponseData.class);
        assertThat(refused.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(refused.errorMessage()).contains("Cannot change principals").contains("User:alice", "User:bob");

        sendMetadata();
        assertThat(passedOn.get(passedOn.size() - 1))
                .as("nothing passes after a failure")
                .isNotInstanceOf(ByteBuffer.class);
        assertThat(channel.isOpen())
                .as("closed only after connection.failed.authentication.delay.ms")
                .isTrue();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(reauthentications("failure")).isEqualTo(1.0);
    }

    @Test
    void reauthenticationMayNotChangeTheMechanism() {
        currentLifetime = LIFETIME_MS;
        connect(LIFETIME_MS);
        authenticate("alice");

        clock.advance(2_000);
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"));
        assertThat(written(lastAnswered(), SaslHandshakeResponseData.class).errorCode())
                .isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
        assertThat(channel.isOpen())
                .as("closed only after connection.failed.authentication.delay.ms")
                .isTrue();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aSecondReauthenticationWithinASecondAndAnyWithoutASessionEndGoOnToTheRequestHandler() {
        currentLifetime = LIFETIME_MS;
        connect(LIFETIME_MS);
        authenticate("alice");
        clock.advance(2_000);
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        lastAnswered();
        send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new SaslAuthenticateRequestData().setAuthBytes(plain("alice")));
        lastAnswered();
        clock.advance(500);
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        assertThat(passedOn.get(passedOn.size() - 1))
                .as("too soon: the request handler answers ILLEGAL_SASL_STATE")
                .isInstanceOf(ByteBuffer.class);
        channel.finishAndReleaseAll();
        passedOn.clear();

        currentLifetime = 0;
        connect(0);
        authenticate("alice");
        clock.advance(TimeUnit.DAYS.toMillis(1));
        send(ApiKeys.SASL_HANDSHAKE, (short) 1, new SaslHandshakeRequestData().setMechanism("PLAIN"));
        assertThat(passedOn).hasSize(1).first().isInstanceOf(ByteBuffer.class);
        sendMetadata();
        assertThat(passedOn).hasSize(2);
        assertThat(channel.isOpen()).isTrue();
    }

    private double reauthentications(String result) {
        return registry.get("sluice.sasl.reauthentications")
                .tag("listener", "CLIENT")
                .tag("result", result)
                .counter()
                .count();
    }

    private static byte[] plain(String user) {
        return ("\0" + user + "\0" + user + "-secret").getBytes(StandardCharsets.UTF_8);
    }

    private void sendMetadata() {
        send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
    }

    /** Writes a request frame (header and body, without the size prefix) into the channel. */
    private void send(ApiKeys key, short version, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData()
                .setRequestApiKey(key.id)
                .setRequestApiVersion(version)
                .setClientId("test")
                .setCorrelationId(++correlationId);
        short headerVersion = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, version);
        channel.writeInbound(buffer.flip());
    }

    /** The body of the one response the handler wrote itself (size prefix and response header skipped). */
    private ByteBufferAccessor written(ApiKeys key, short version) {
        ByteBuffer all = ByteBuffer.allocate(1 << 16);
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            all.put(buf.nioBuffer());
            ReferenceCountUtil.release(msg);
        }
        all.flip();
        int size = all.getInt();
        assertThat(all.remaining()).isEqualTo(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(all);
        new ResponseHeaderData(accessor, key.responseHeaderVersion(version));
        return accessor;
    }

    private AnsweredRequest lastAnswered() {
        Object last = passedOn.get(passedOn.size() - 1);
        assertThat(last).isInstanceOf(AnsweredRequest.class);
        return (AnsweredRequest) last;
    }

    private static <T extends ApiMessage> T written(AnsweredRequest answered, Class<T> type) {
        ApiMessage message = answered.response().toCompletableFuture().getNow(null);
        assertThat(message).as("answered").isInstanceOf(type);
        return type.cast(message);
    }
}
