package io.sluice.broker.registration;

import java.util.OptionalLong;

/**
 * What to do about an existing {@code /brokers/ids/N} znode when (re-)registering, decided from its
 * {@code ephemeralOwner} alone (docs/design.md#broker-registration: compare the owner with the session id, never trust mere existence).
 */
enum RegistrationAction {
    /** No znode: create ours. */
    CREATE,
    /** The znode belongs to our previous, expired session: delete it, then create ours. */
    DELETE_STALE_AND_CREATE,
    /** The znode already belongs to our current session (an earlier create whose response was lost): keep it. */
    ADOPT,
    /** The znode belongs to another live session: a second broker with our id. */
    DUPLICATE;

    /**
     * @param existingOwner the ephemeral owner of the existing znode, empty if there is none
     * @param previousSession the session that registered us last, {@code 0} if never registered
     * @param currentSession the session we are connected with now
     */
    static RegistrationAction decide(OptionalLong existingOwner, long previousSession, long currentSession) {
        if (existingOwner.isEmpty()) {
            return CREATE;
        }
        long owner = existingOwner.getAsLong();
        if (owner == currentSession) {
            return ADOPT;
        }
        if (previousSession != 0 && owner == previousSession) {
            return DELETE_STALE_AND_CREATE;
        }
        return DUPLICATE;
    }
}
