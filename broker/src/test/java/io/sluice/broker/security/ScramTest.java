package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.junit.jupiter.api.Test;

class ScramTest {

    /** RFC 7677 section 3: user "user", password "pencil". */
    @Test
    void clientMatchesTheRfc7677Example() {
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assertThat(new String(client.initialResponse(), StandardCharsets.UTF_8))
                .isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        String serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        byte[] clientFinal = client.evaluate(serverFirst.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(clientFinal, StandardCharsets.UTF_8))
                .isEqualTo("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                        + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(client.evaluate("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThatThrownBy(() -> new ScramClient(ScramMechanism.SCRAM_SHA_256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO")
                        .evaluate("r=someoneElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void storedFormRoundTripsAsKafkaWritesIt() {
        ScramCredential credential = Scram.credential(ScramMechanism.SCRAM_SHA_512, "secret", 4096, new SecureRandom());
        String stored = Scram.encode(credential);
        assertThat(stored).matches("salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=4096");
        ScramCredential back = Scram.decode(stored);
        assertThat(back.salt()).isEqualTo(credential.salt());
        assertThat(back.storedKey()).isEqualTo(credential.storedKey());
        assertThat(back.serverKey()).isEqualTo(credential.serverKey());
        assertThatThrownBy(() -> Scram.decode("salt=AA==,iterations=4096"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverAcceptsTheRightPasswordAndRefusesAWrongOne() {
        for (ScramMechanism mechanism :
                new ScramMechanism[] {ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512}) {
            ScramCredential credential = Scram.credential(mechanism, "alice-secret", 4096, new SecureRandom());
            ScramServer.CredentialLookup lookup = (user, m) -> CompletableFuture.completedFuture(
                    user.equals("al,ice") && m == mechanism ? Optional.of(credential) : Optional.empty());

            assertThat(exchange(mechanism, lookup, "al,ice", "alice-secret")).isTrue();
            assertThatThrownBy(() -> exchange(mechanism, lookup, "al,ice", "wrong"))
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials with SASL mechanism " + mechanism.mechanismName());
            assertThatThrownBy(() -> exchange(mechanism, lookup, "bob", "alice-secret"))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static boolean exchange(
            ScramMechanism mechanism, ScramServer.CredentialLookup lookup, String user, String password) {
        ScramServer server = new ScramServer(mechanism, lookup, new SecureRandom());
        ScramClient client = new ScramClient(mechanism, user, password, "fixedClientNonce");
        byte[] serverFirst =
                server.evaluate(client.initialResponse()).toCompletableFuture().join();
        byte[] serverFinal = server.evaluate(client.evaluate(serverFirst))
                .toCompletableFuture()
                .join();
        assertThat(client.evaluate(serverFinal)).isNull();
        assertThat(server.authorizationId()).isEqualTo(user);
        return server.isComplete();
    }

    /** librdkafka repeats its client nonce in front of the combined nonce in client-final; Kafka accepts that. */
    @Test
    void serverAcceptsLibrdkafkasRepeatedClientNonce() {
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
        ScramCredential credential = Scram.credential(mechanism, "pw", 4096, new SecureRandom());
        ScramServer server = new ScramServer(
                mechanism, (u, m) -> CompletableFuture.completedFuture(Optional.of(credential)), new SecureRandom());
        String cnonce = "abc=~-x";
        ScramClient reference = new ScramClient(mechanism, "u", "pw", cnonce);
        String serverFirst = new String(
                server.evaluate(reference.initialResponse())
                        .toCompletableFuture()
                        .join(),
                StandardCharsets.UTF_8);
        String combined = serverFirst.substring(2, serverFirst.indexOf(','));
        byte[] salt = Base64.getDecoder().decode(serverFirst.split(",")[1].substring(2));
        byte[] salted = Scram.saltedPassword(mechanism, "pw", salt, 4096);
        String withoutProof = "c=biws,r=" + cnonce + combined;
        byte[] authMessage =
                ("n=u,r=" + cnonce + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientKey = Scram.clientKey(mechanism, salted);
        byte[] proof = Scram.xor(clientKey, Scram.hmac(mechanism, Scram.hash(mechanism, clientKey), authMessage));
        server.evaluate((withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                        .getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .join();
        assertThat(server.isComplete()).isTrue();
    }

    @Test
    void saslNamesEscapeCommaAndEquals() {
        assertThat(Scram.encodeSaslName("a,b=c")).isEqualTo("a=2Cb=3Dc");
        assertThat(Scram.decodeSaslName("a=2Cb=3Dc")).isEqualTo("a,b=c");
        assertThatThrownBy(() -> Scram.decodeSaslName("a=b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainChecksUserAndPassword() {
        PlainServer server = new PlainServer(java.util.Map.of("admin", "admin-secret"));
        assertThatThrownBy(() -> new PlainServer(java.util.Map.of("admin", "admin-secret"))
                        .evaluate("\0admin\0nope".getBytes(StandardCharsets.UTF_8))
                        .toCompletableFuture()
                        .join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(SaslAuthenticationException.class);
        server.evaluate("\0admin\0admin-secret".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .join();
        assertThat(server.isComplete()).isTrue();
        assertThat(server.authorizationId()).isEqualTo("admin");
    }

    @Test
    void jaasOptionsAndPrincipalRulesParse() {
        JaasOptions options = JaasOptions.parse("org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"admin\" password=\"a\\\"b\" user_admin=\"x\" user_alice=plain;");
        assertThat(options.loginModule()).isEqualTo(JaasOptions.PLAIN_LOGIN_MODULE);
        assertThat(options.option("password")).isEqualTo("a\"b");
        assertThat(options.option("user_alice")).isEqualTo("plain");
        assertThatThrownBy(() -> JaasOptions.parse("Module required a=\"b\"")).hasMessageContaining("';'");
        assertThat(ListenerSecurity.plainUsers(
                        "k",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " user_admin=\"x\" user_alice=\"y\";"))
                .containsEntry("admin", "x")
                .containsEntry("alice", "y")
                .hasSize(2);

        SslPrincipalMapper mapper = SslPrincipalMapper.parse(
                "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?)$/$1@$2/L, DEFAULT");
        assertThat(mapper.map("CN=kafka1,OU=ServiceUsers,O=Org")).isEqualTo("kafka1");
        assertThat(mapper.map("CN=Duke,OU=SME,O=mycp")).isEqualTo("duke@sme");
        assertThat(mapper.map("CN=other")).isEqualTo("CN=other");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:^CN=(.*)$/$1/U").map("OU=x"))
                .hasMessageContaining("No rule");
        assertThat(SslPrincipalMapper.parse("RULE:^CN=(.*)$/$1/U").map("CN=ab")).isEqualTo("AB");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("nonsense")).isInstanceOf(IllegalArgumentException.class);
    }
}
