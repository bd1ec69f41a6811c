package io.sluice.broker.it;

/** The test kit's {@link io.sluice.testsupport.RawKafkaConnection} under its old name in this package. */
final class RawKafkaConnection extends io.sluice.testsupport.RawKafkaConnection {
    RawKafkaConnection(int port) {
        super(port);
    }
}
