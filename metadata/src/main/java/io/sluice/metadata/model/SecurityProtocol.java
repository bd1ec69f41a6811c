package io.sluice.metadata.model;

import java.util.Locale;

/** The security protocols a listener can speak, with Kafka's names. */
public enum SecurityProtocol {
    PLAINTEXT,
    SSL,
    SASL_PLAINTEXT,
    SASL_SSL;

    /**
     * The protocol named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static SecurityProtocol forName(String name) {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
}
