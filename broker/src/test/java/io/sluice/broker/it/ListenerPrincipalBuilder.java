package io.sluice.broker.it;

import java.util.Locale;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;

/**
 * A test {@code principal.builder.class}: a connection's principal is {@code User:<listener name in lower case>}, so
 * listeners {@code BROKER}, {@code ADMIN} and {@code ALICE} stand for three identities on PLAINTEXT.
 */
public final class ListenerPrincipalBuilder implements KafkaPrincipalBuilder {
    @Override
    public KafkaPrincipal build(AuthenticationContext context) {
        return new KafkaPrincipal(
                KafkaPrincipal.USER_TYPE, context.listenerName().toLowerCase(Locale.ROOT));
    }
}
