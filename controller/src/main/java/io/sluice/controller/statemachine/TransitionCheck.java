package io.sluice.controller.statemachine;

/**
 * Result of checking a state transition: {@link Valid}, or an {@link IllegalStateTransition} that
 * the caller logs loudly (an invalid transition is a controller bug) before leaving the state as it
 * was.
 */
public sealed interface TransitionCheck permits TransitionCheck.Valid, IllegalStateTransition {

    /** Whether the transition is allowed. */
    boolean isValid();

    /** An allowed transition. */
    record Valid(Enum<?> from, Enum<?> to) implements TransitionCheck {
        @Override
        public boolean isValid() {
            return true;
        }
    }
}
