package io.sluice.broker.security;

import io.sluice.metadata.config.ZkConnect;
import io.sluice.metadata.zk.AclZNode;
import io.sluice.metadata.zk.ZkClientSecurity;
import io.sluice.metadata.zk.ZkClients;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.SecurityUtils;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice's ACL authorizer: Kafka's ZooKeeper-mode ACL semantics ({@link AclRules}) over ACLs stored as Kafka stores
 * them ({@link AclZNode}). Selected by {@code authorizer.class.name=io.sluice.broker.security.AclAuthorizer} (or
 * Kafka's {@code kafka.security.authorizer.AclAuthorizer}).
 *
 * <p>Configuration (the broker's): {@code zookeeper.connect} (or {@code authorizer.zookeeper.url}),
 * {@code zookeeper.session.timeout.ms}, {@code zookeeper.connection.timeout.ms}, {@code super.users},
 * {@code allow.everyone.if.no.acl.found}, and the ZooKeeper security keys ({@code zookeeper.set.acl},
 * {@code zookeeper.ssl.*}, each overridable as {@code authorizer.zookeeper.*}). The authorizer holds its own ZooKeeper
 * session, as Kafka's does.
 *
 * <p>Cache: {@link #start} loads every ACL; afterwards each broker re-reads the resource a change notification under
 * {@code /kafka-acl-changes} or {@code /kafka-acl-extended-changes} names (notifications older than 15 minutes are
 * purged). A broker that writes ACLs updates its own cache at once.
 *
 * <p>Decisions are logged to the logger {@value #DECISION_LOGGER}: denials at INFO, allowed requests at DEBUG (when
 * the action asks for it; else TRACE), as Kafka's {@code kafka.authorizer.logger} does.
 *
 * <p>Concurrency: {@link #authorize} reads an immutable snapshot and may be called from any thread. Notifications are
 * processed on one thread of the authorizer's own; ACL writes are serialized by {@code writeLock} and are
 * compare-and-set in ZooKeeper. Snapshot swaps happen under {@code this}.
 */
public final class AclAuthorizer implements Authorizer {
    /** The logger every authorization decision goes to. */
    public static final String DECISION_LOGGER = "sluice.authorizer";

    /** Kafka's class name for its ZooKeeper-mode authorizer, accepted as an alias of this one. */
    public static final String KAFKA_ALIAS = "kafka.security.authorizer.AclAuthorizer";

    static final long CHANGE_EXPIRATION_MS = TimeUnit.MINUTES.toMillis(15);

    private static final Logger log = LoggerFactory.getLogger(AclAuthorizer.class);
    private static final Logger decisions = LoggerFactory.getLogger(DECISION_LOGGER);

    private final Clock clock;
    private final Object writeLock = new Object();
    private final Map<String, Long> lastSeen = new HashMap<>();
    /** One watcher object per change path: ZooKeeper keeps a watcher once per path, however often it is set. */
    private final Map<String, Watcher> watchers = Map.of(
            AclZNode.LITERAL_CHANGES,
            event -> onChange(AclZNode.LITERAL_CHANGES),
            AclZNode.EXTENDED_CHANGES,
            event -> onChange(AclZNode.EXTENDED_CHANGES));

    private volatile AclRules rules = AclRules.empty();
    private Set<String> superUsers = Set.of();
    private boolean allowIfNoAcl;
    private ZkConnect zkConnect;
    private ZkClientSecurity zkSecurity = ZkClientSecurity.DEFAULT;
    private int sessionTimeoutMs = 18_000;
    private int connectionTimeoutMs = 18_000;
    private CuratorFramework curator;
    private ZkAclStore store;
    private ExecutorService notifications;
    private volatile boolean closed;

    public AclAuthorizer() {
        this(Clock.systemUTC());
    }

    AclAuthorizer(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object url = configs.get("authorizer.zookeeper.url");
        if (url == null) {
            url = configs.get("zookeeper.connect");
        }
        if (url == null) {
            throw new IllegalArgumentException(
                    "zookeeper.connect is required by " + getClass().getName());
        }
        zkConnect = ZkConnect.parse(url.toString());
        // authorizer.zookeeper.<key> overrides the broker's zookeeper.<key> (as Kafka's authorizer allows)
        Map<String, Object> zkProps = new HashMap<>(configs);
        configs.forEach((key, value) -> {
            if (key.startsWith("authorizer.zookeeper.")) {
                zkProps.put(key.substring("authorizer.".length()), value);
            }
        });
        zkSecurity = ZkClientSecurity.fromProperties(zkProps);
        sessionTimeoutMs = intConfig(configs, "zookeeper.session.timeout.ms", sessionTimeoutMs);
        connectionTimeoutMs = intConfig(configs, "zookeeper.connection.timeout.ms", connectionTimeoutMs);
        Object superUsersValue = configs.get("super.users");
        superUsers = parseSuperUsers(superUsersValue == null ? "" : superUsersValue.toString());
        Object allow = configs.get("allow.everyone.if.no.acl.found");
        allowIfNoAcl = allow != null && Boolean.parseBoolean(allow.toString().trim());
    }

    /** {@code super.users}: semicolon-separated principals, each normalized to {@code type:name}. */
    static Set<String> parseSuperUsers(String value) {
        return Arrays.stream(value.split(";"))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> {
                    KafkaPrincipal p = SecurityUtils.parseKafkaPrincipal(s);
                    return p.getPrincipalType() + ":" + p.getName();
                })
                .collect(Collectors.toUnmodifiableSet());
    }

    private static int intConfig(Map<String, ?> configs, String key, int defaultValue) {
        Object value = configs.get(key);
        return value == null ? defaultValue : Integer.parseInt(value.toString().trim());
    }

    @Override
    public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
        if (zkConnect == null) {
            throw new IllegalStateException("configure() was not called");
        }
        curator = ZkClients.newClient(zkConnect, sessionTimeoutMs, connectionTimeoutMs, zkSecurity);
        curator.start();
        notifications = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-acl-changes-" + serverInfo.brokerId());
            t.setDaemon(true);
            return t;
        });
        try {
            if (!curator.blockUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the ACL authorizer cannot reach ZooKeeper at " + zkConnect);
            }
            store = new ZkAclStore(curator);
            store.ensurePaths();
            reloadAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while loading ACLs", e);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot load ACLs from ZooKeeper: " + e, e);
        }
        curator.getConnectionStateListenable().addListener((client, state) -> {
            if (state == ConnectionState.RECONNECTED) {
                // a new session lost our watches, and changes may have been missed meanwhile
                submit(this::reloadAll);
            }
        });
        log.info(
                "[Broker {}] ACL authorizer started with {} ACLs; super users {}, allow.everyone.if.no.acl.found={}",
                serverInfo.brokerId(),
                rules.size(),
                superUsers,
                allowIfNoAcl);
        Map<Endpoint, CompletableFuture<Void>> ready = new LinkedHashMap<>();
        for (Endpoint endpoint : serverInfo.endpoints()) {
            ready.put(endpoint, CompletableFuture.completedFuture(null));
        }
        return ready;
    }

    private interface ZkTask {
        void run() throws Exception;
    }

    private void submit(ZkTask task) {
        if (closed) {
            return;
        }
        try {
            notifications.execute(() -> {
                try {
                    task.run();
                } catch (Exception e) {
                    if (!closed) {
                        log.warn("ACL cache update failed; the next notification or reconnection retries", e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Loads every ACL and starts watching both change paths from their newest notification. */
    private void reloadAll() throws Exception {
        Map<String, List<String>> existing = new HashMap<>();
        for (String changePath : List.of(AclZNode.LITERAL_CHANGES, AclZNode.EXTENDED_CHANGES)) {
            existing.put(changePath, store.changes(changePath, watchers.get(changePath)));
        }
        AclRules loaded = AclRules.of(store.loadAll());
        synchronized (this) {
            rules = loaded;
            existing.forEach((path, names) ->
                    lastSeen.put(path, names.isEmpty() ? -1L : ZkAclStore.sequence(names.get(names.size() - 1))));
        }
    }

    private void onChange(String changePath) {
        submit(() -> processChanges(changePath));
    }

    private void processChanges(String changePath) throws Exception {
        List<String> names = store.changes(changePath, watchers.get(changePath));
        long now = clock.millis();
        for (String name : names) {
            long sequence = ZkAclStore.sequence(name);
            ZkAclStore.Change change;
            try {
                change = store.readChange(changePath, name);
            } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
                continue;
            }
            boolean fresh;
            synchronized (this) {
                fresh = sequence > lastSeen.getOrDefault(changePath, -1L);
                if (fresh) {
                    lastSeen.put(changePath, sequence);
                }
            }
            if (fresh) {
                refresh(change.pattern());
            }
            if (now - change.createdMs() > CHANGE_EXPIRATION_MS) {
                store.deleteChange(changePath, name);
            }
        }
    }

    /** Re-reads one resource's ACLs from ZooKeeper into the cache. */
    private void refresh(ResourcePattern pattern) throws Exception {
        ZkAclStore.Versioned read = store.read(pattern);
        synchronized (this) {
            rules = rules.with(pattern, read.entries());
        }
        log.debug("ACLs of {} now {}", pattern, read.entries());
    }

    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        AclRules snapshot = rules;
        KafkaPrincipal principal = context.principal();
        String host = hostOf(context.clientAddress());
        boolean superUser = superUsers.contains(principal.getPrincipalType() + ":" + principal.getName());
        List<AuthorizationResult> results = new ArrayList<>(actions.size());
        for (Action action : actions) {
            ResourcePattern resource = action.resourcePattern();
            AclRules.Decision decision;
            if (resource.patternType() != PatternType.LITERAL) {
                decision = new AclRules.Decision(false, "only literal resources can be authorized");
            } else {
                decision = snapshot.decide(
                        principal,
                        host,
                        action.operation(),
                        resource.resourceType(),
                        resource.name(),
                        superUser,
                        allowIfNoAcl);
            }
            logDecision(context, action, principal, host, decision);
            results.add(decision.allowed() ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED);
        }
        return results;
    }

    private static String hostOf(InetAddress address) {
        return address == null ? "" : address.getHostAddress();
    }

    private static void logDecision(
            AuthorizableRequestContext context,
            Action action,
            KafkaPrincipal principal,
            String host,
            AclRules.Decision decision) {
        boolean allowed = decision.allowed();
        boolean loud = allowed ? action.logIfAllowed() : action.logIfDenied();
        if (loud ? (allowed ? decisions.isDebugEnabled() : decisions.isInfoEnabled()) : decisions.isTraceEnabled()) {
            String request = requestName(context.requestType());
            String format = "Principal = {} is {} Operation = {} from host = {} on resource = {} for request = {}"
                    + " with resourceRefCount = {} based on {}";
            Object[] args = {
                principal,
                allowed ? "Allowed" : "Denied",
                action.operation(),
                host,
                action.resourcePattern(),
                request,
                action.resourceReferenceCount(),
                decision.reason()
            };
            if (!loud) {
                decisions.trace(format, args);
            } else if (allowed) {
                decisions.debug(format, args);
            } else {
                decisions.info(format, args);
            }
        }
    }

    private static String requestName(int apiKey) {
        try {
            return org.apache.kafka.common.protocol.ApiKeys.forId(apiKey).name;
        } catch (IllegalArgumentException e) {
            return Integer.toString(apiKey);
        }
    }

    @Override
    public List<? extends CompletionStage<AclCreateResult>> createAcls(
            AuthorizableRequestContext context, List<AclBinding> bindings) {
        List<CompletableFuture<AclCreateResult>> results = new ArrayList<>(bindings.size());
        Map<ResourcePattern, Set<AccessControlEntry>> byPattern = new LinkedHashMap<>();
        Map<ResourcePattern, List<Integer>> indexes = new HashMap<>();
        for (int i = 0; i < bindings.size(); i++) {
            AclBinding binding = bindings.get(i);
            ApiException invalid = validate(binding);
            if (invalid != null) {
                results.add(CompletableFuture.completedFuture(new AclCreateResult(invalid)));
                continue;
            }
            results.add(new CompletableFuture<>());
            byPattern.computeIfAbsent(binding.pattern(), p -> new HashSet<>()).add(binding.entry());
            indexes.computeIfAbsent(binding.pattern(), p -> new ArrayList<>()).add(i);
        }
        synchronized (writeLock) {
            byPattern.forEach((pattern, added) -> {
                AclCreateResult result;
                try {
                    update(pattern, current -> {
                        Set<AccessControlEntry> next = new HashSet<>(current);
                        next.addAll(added);
                        return next;
                    });
                    log.info("Added ACLs {} to {} for {}", added, pattern, context.principal());
                    result = AclCreateResult.SUCCESS;
                } catch (Exception e) {
                    log.warn("Adding ACLs {} to {} failed", added, pattern, e);
                    result = new AclCreateResult(new UnknownServerException("cannot write ACLs: " + e, e));
                }
                for (int index : indexes.get(pattern)) {
                    results.get(index).complete(result);
                }
            });
        }
        return results;
    }

    private static ApiException validate(AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        AccessControlEntry entry = binding.entry();
        if (binding.isUnknown()
                || pattern.resourceType() == ResourceType.ANY
                || entry.operation() == AclOperation.ANY
                || entry.permissionType() == AclPermissionType.ANY) {
            return new InvalidRequestException("Invalid ACL binding " + binding);
        }
        if (pattern.patternType() != PatternType.LITERAL && pattern.patternType() != PatternType.PREFIXED) {
            return new InvalidRequestException("Invalid pattern type " + pattern.patternType() + " in " + binding);
        }
        if (pattern.name().isEmpty()) {
            return new InvalidRequestException("Empty resource name in " + binding);
        }
        if (pattern.resourceType() == ResourceType.CLUSTER && !AclRules.CLUSTER_NAME.equals(pattern.name())) {
            return new InvalidRequestException("The cluster resource must be named " + AclRules.CLUSTER_NAME);
        }
        if (pattern.name().indexOf('/') >= 0) {
            return new InvalidRequestException("Resource names with '/' cannot be stored in ZooKeeper: " + binding);
        }
        try {
            SecurityUtils.parseKafkaPrincipal(entry.principal());
        } catch (IllegalArgumentException e) {
            return new InvalidRequestException("Invalid principal in " + binding + ": " + e.getMessage());
        }
        return null;
    }

    private interface EntriesUpdate {
        Set<AccessControlEntry> apply(Set<AccessControlEntry> current);
    }

    /** Compare-and-set loop on one resource's znode; notifies the other brokers and updates this one's cache. */
    private Set<AccessControlEntry> update(ResourcePattern pattern, EntriesUpdate change) throws Exception {
        while (true) {
            ZkAclStore.Versioned current = store.read(pattern);
            Set<AccessControlEntry> next = change.apply(current.entries());
            if (next.equals(current.entries())) {
                synchronized (this) {
                    rules = rules.with(pattern, next);
                }
                return current.entries();
            }
            if (store.write(pattern, next, current.version())) {
                store.notifyChange(pattern);
                synchronized (this) {
                    rules = rules.with(pattern, next);
                }
                return current.entries();
            }
        }
    }

    @Override
    public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(
            AuthorizableRequestContext context, List<AclBindingFilter> filters) {
        List<List<AclDeleteResult.AclBindingDeleteResult>> deleted = new ArrayList<>();
        filters.forEach(f -> deleted.add(new ArrayList<>()));
        ApiException failure = null;
        synchronized (writeLock) {
            Set<ResourcePattern> patterns = new HashSet<>();
            for (AclBindingFilter filter : filters) {
                rules.bindings(filter).forEach(b -> patterns.add(b.pattern()));
            }
            for (ResourcePattern pattern : patterns) {
                try {
                    Set<AccessControlEntry> before = update(pattern, current -> {
                        Set<AccessControlEntry> next = new HashSet<>(current);
                        next.removeIf(e -> filters.stream().anyMatch(f -> f.matches(new AclBinding(pattern, e))));
                        return next;
                    });
                    for (AccessControlEntry entry : before) {
                        AclBinding binding = new AclBinding(pattern, entry);
                        for (int i = 0; i < filters.size(); i++) {
                            if (filters.get(i).matches(binding)) {
                                deleted.get(i).add(new AclDeleteResult.AclBindingDeleteResult(binding));
                            }
                        }
                    }
                    log.info("Removed ACLs matching {} from {} for {}", filters, pattern, context.principal());
                } catch (Exception e) {
                    log.warn("Removing ACLs from {} failed", pattern, e);
                    failure = new UnknownServerException("cannot write ACLs: " + e, e);
                }
            }
        }
        List<CompletableFuture<AclDeleteResult>> results = new ArrayList<>();
        for (List<AclDeleteResult.AclBindingDeleteResult> d : deleted) {
            results.add(CompletableFuture.completedFuture(
                    failure != null && d.isEmpty() ? new AclDeleteResult(failure) : new AclDeleteResult(d)));
        }
        return results;
    }

    @Override
    public Iterable<AclBinding> acls(AclBindingFilter filter) {
        return rules.bindings(filter);
    }

    @Override
    public int aclCount() {
        return rules.size();
    }

    @Override
    public void close() {
        closed = true;
        if (notifications != null) {
            notifications.shutdownNow();
        }
        if (curator != null) {
            curator.close();
        }
    }
}
