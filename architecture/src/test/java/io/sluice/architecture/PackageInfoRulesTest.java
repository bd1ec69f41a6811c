package io.sluice.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.architecture.PackageInfoRules.PackageInfo;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PackageInfoRulesTest {
    private static final Path SOURCE = Path.of("package-info.java");

    @Test
    void readsTheNamedPackagesOfTheDependencySentenceUpToNever() {
        PackageInfo info = PackageInfoRules.parse(SOURCE, """
                /**
                 * Handlers of the controller's requests. A second sentence with {@code io.sluice.replication.log}. It
                 * depends on {@code io.sluice.broker.api}, {@code
                 * io.sluice.broker.metadata} (the cache), {@code io.sluice.controller.*} and kafka-clients, never on
                 * {@code io.sluice.replication.partition}.
                 */
                package io.sluice.broker.control;
                """);

        assertThat(info.packageName()).isEqualTo("io.sluice.broker.control");
        assertThat(info.problems()).isEmpty();
        assertThat(info.allowed())
                .containsExactlyInAnyOrder(
                        "io.sluice.broker.api", "io.sluice.broker.metadata", "io.sluice.controller.*");
        assertThat(info.moduleSentence()).isEmpty();
    }

    @Test
    void separatesTheModuleSentenceFromThePackageSentence() {
        PackageInfo info = PackageInfoRules.parse(SOURCE, """
                /**
                 * The controller module. The module depends on {@code io.sluice.metadata.*} only, never on
                 * {@code io.sluice.replication.*}. This package depends on {@code io.sluice.controller.zk}.
                 */
                package io.sluice.controller;
                """);

        assertThat(info.allowedModules()).containsExactly("io.sluice.metadata.*");
        assertThat(info.allowed()).containsExactly("io.sluice.controller.zk");
    }

    @Test
    void reportsTwoDependencySentences() {
        PackageInfo info = PackageInfoRules.parse(SOURCE, """
                /** Depends on {@code io.sluice.a}. The report depends on {@code io.sluice.b}. */
                package io.sluice.c;
                """);

        assertThat(info.problems()).singleElement().asString().contains("2 sentences");
    }

    @Test
    void wildcardCoversThePackageAndItsSubpackagesOnly() {
        Set<String> allowed = Set.of("io.sluice.metadata.*", "io.sluice.broker.api");

        assertThat(PackageInfoRules.allows(allowed, "io.sluice.metadata")).isTrue();
        assertThat(PackageInfoRules.allows(allowed, "io.sluice.metadata.zk")).isTrue();
        assertThat(PackageInfoRules.allows(allowed, "io.sluice.metadatax")).isFalse();
        assertThat(PackageInfoRules.allows(allowed, "io.sluice.broker.api")).isTrue();
        assertThat(PackageInfoRules.allows(allowed, "io.sluice.broker.api.handlers"))
                .isFalse();
    }
}
