package io.sluice.broker.security;

import io.sluice.broker.api.ApiHandler;
import io.sluice.broker.api.ApiResponse;
import io.sluice.broker.api.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeUserScramCredentials v0 and AlterUserScramCredentials v0 over {@link ScramCredentialStore}, with Kafka's
 * checks and errors: an empty user name or an iteration count outside 4096..16384 is {@code UNACCEPTABLE_CREDENTIAL},
 * an unknown mechanism {@code UNSUPPORTED_SASL_MECHANISM}, a user named twice for one mechanism in one request
 * {@code DUPLICATE_RESOURCE}, deleting or describing what does not exist {@code RESOURCE_NOT_FOUND}. The client sends
 * salt and salted password; the broker derives and stores the stored and server keys.
 */
public final class ScramCredentialsHandlers {
    private ScramCredentialsHandlers() {}

    /** Both handlers over {@code store}. */
    public static List<ApiHandler<?>> all(ScramCredentialStore store) {
        return List.of(new Describe(store), new Alter(store));
    }

    static final class Describe implements ApiHandler<DescribeUserScramCredentialsRequestData> {
        private final ScramCredentialStore store;

        Describe(ScramCredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 0;
        }

        @Override
        public CompletionStage<ApiResponse> handle(
                RequestContext context, DescribeUserScramCredentialsRequestData request) {
            DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
            if (request.users() == null || request.users().isEmpty()) {
                store.describeAll()
                        .forEach((user, mechanisms) -> response.results().add(result(user, mechanisms)));
            } else {
                Set<String> seen = new HashSet<>();
                Set<String> duplicated = new HashSet<>();
                request.users().forEach(u -> {
                    if (!seen.add(u.name())) {
                        duplicated.add(u.name());
                    }
                });
                for (String user : seen) {
                    if (duplicated.contains(user)) {
                        response.results()
                                .add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                                        .setUser(user)
                                        .setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                                        .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in"
                                                + " a single request: " + user));
                        continue;
                    }
                    Map<ScramMechanism, Integer> mechanisms = store.describe(user);
                    if (mechanisms.isEmpty()) {
                        response.results()
                                .add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                                        .setUser(user)
                                        .setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                                        .setErrorMessage(
                                                "Attempt to describe a user credential that does not exist: " + user));
                    } else {
                        response.results().add(result(user, mechanisms));
                    }
                }
            }
            return CompletableFuture.completedFuture(ApiResponse.of(response));
        }

        private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult result(
                String user, Map<ScramMechanism, Integer> mechanisms) {
            DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult result =
                    new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult().setUser(user);
            mechanisms.forEach((mechanism, iterations) -> result.credentialInfos()
                    .add(new DescribeUserScramCredentialsResponseData.CredentialInfo()
                            .setMechanism(mechanism.type())
                            .setIterations(iterations)));
            return result;
        }
    }

    static final class Alter implements ApiHandler<AlterUserScramCredentialsRequestData> {
        private final ScramCredentialStore store;

        Alter(ScramCredentialStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
        }

        @Override
        public short minVersion() {
            return 0;
        }

        @Override
        public short maxVersion() {
            return 0;
        }

        /** One change of one user's credential; {@code upsert == null} deletes. */
        private record Change(
                ScramMechanism mechanism, AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsert) {}

        @Override
        public CompletionStage<ApiResponse> handle(
                RequestContext context, AlterUserScramCredentialsRequestData request) {
            Map<String, Errors> errors = new LinkedHashMap<>();
            Map<String, String> messages = new HashMap<>();
            Map<String, List<Change>> changes = new LinkedHashMap<>();
            Map<String, Set<ScramMechanism>> seen = new HashMap<>();
            for (AlterUserScramCredentialsRequestData.ScramCredentialDeletion deletion : request.deletions()) {
                check(deletion.name(), deletion.mechanism(), null, errors, messages, changes, seen);
            }
            for (AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsertion : request.upsertions()) {
                check(upsertion.name(), upsertion.mechanism(), upsertion, errors, messages, changes, seen);
            }
            AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
            for (Map.Entry<String, List<Change>> e : changes.entrySet()) {
                String user = e.getKey();
                if (errors.containsKey(user)) {
                    continue;
                }
                Optional<String> missing = e.getValue().stream()
                        .filter(c -> c.upsert() == null)
                        .map(Change::mechanism)
                        .filter(m -> !store.describe(user).containsKey(m))
                        .map(ScramMechanism::mechanismName)
                        .findFirst();
                if (missing.isPresent()) {
                    errors.put(user, Errors.RESOURCE_NOT_FOUND);
                    messages.put(user, "Attempt to delete a user credential that does not exist: " + missing.get());
                    continue;
                }
                store.update(user, current -> {
                    Map<String, String> next = new HashMap<>(current);
                    for (Change change : e.getValue()) {
                        if (change.upsert() == null) {
                            next.remove(change.mechanism().mechanismName());
                        } else {
                            AlterUserScramCredentialsRequestData.ScramCredentialUpsertion u = change.upsert();
                            next.put(
                                    change.mechanism().mechanismName(),
                                    Scram.encode(Scram.credential(
                                            change.mechanism(), u.salt(), u.saltedPassword(), u.iterations())));
                        }
                    }
                    return next;
                });
                errors.put(user, Errors.NONE);
            }
            errors.forEach((user, error) -> response.results()
                    .add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
                            .setUser(user)
                            .setErrorCode(error.code())
                            .setErrorMessage(messages.get(user))));
            return CompletableFuture.completedFuture(ApiResponse.of(response));
        }

        private static void check(
                String user,
                byte mechanismType,
                AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsert,
                Map<String, Errors> errors,
                Map<String, String> messages,
                Map<String, List<Change>> changes,
                Map<String, Set<ScramMechanism>> seen) {
            if (errors.containsKey(user)) {
                return;
            }
            ScramMechanism mechanism = ScramMechanism.fromType(mechanismType);
            if (user == null || user.isEmpty()) {
                errors.put("", Errors.UNACCEPTABLE_CREDENTIAL);
                messages.put("", "Username must not be empty");
                return;
            }
            if (mechanism == ScramMechanism.UNKNOWN) {
                errors.put(user, Errors.UNSUPPORTED_SASL_MECHANISM);
                messages.put(user, "Unknown SCRAM mechanism type " + mechanismType);
                return;
            }
            if (!seen.computeIfAbsent(user, u -> new HashSet<>()).add(mechanism)) {
                errors.put(user, Errors.DUPLICATE_RESOURCE);
                messages.put(user, "A user credential cannot be altered twice in the same request");
                return;
            }
            if (upsert != null) {
                if (upsert.iterations() < Scram.MIN_ITERATIONS) {
                    errors.put(user, Errors.UNACCEPTABLE_CREDENTIAL);
                    messages.put(user, "Too few iterations");
                    return;
                }
                if (upsert.iterations() > Scram.MAX_ITERATIONS) {
                    errors.put(user, Errors.UNACCEPTABLE_CREDENTIAL);
                    messages.put(user, "Too many iterations");
                    return;
                }
                if (upsert.salt().length == 0 || upsert.saltedPassword().length == 0) {
                    errors.put(user, Errors.UNACCEPTABLE_CREDENTIAL);
                    messages.put(user, "Salt and salted password must not be empty");
                    return;
                }
            }
            changes.computeIfAbsent(user, u -> new ArrayList<>()).add(new Change(mechanism, upsert));
        }
    }
}
