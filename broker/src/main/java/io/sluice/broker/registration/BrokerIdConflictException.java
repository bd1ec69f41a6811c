package io.sluice.broker.registration;

/** Another live broker holds {@code /brokers/ids/N} for this broker's id: broker ids must be unique. */
public final class BrokerIdConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int brokerId;

    public BrokerIdConflictException(int brokerId, String holder, Throwable cause) {
        super(
                "Broker id " + brokerId + " is already registered in ZooKeeper by another live broker (" + holder
                        + "); broker ids must be unique: set a different broker.id or stop the other broker",
                cause);
        this.brokerId = brokerId;
    }

    /** The contested broker id. */
    public int brokerId() {
        return brokerId;
    }
}
