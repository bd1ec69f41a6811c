package io.sluice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.sluice.architecture.PackageInfoRules.PackageInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The module and package dependency rules of the code base, as its {@code package-info.java} files state them (see
 * {@link PackageInfoRules} for the grammar), checked on the compiled main classes of every module. A class that uses
 * a Sluice package its package's sentence does not name fails the build with the rule and the offending calls; so
 * does a sentence naming a package the code no longer uses, so the prose stays exact in both directions.
 */
class DependencyRulesTest {
    static final Path ROOT = RepositoryRoot.path();
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice");
    private static final PackageInfoRules RULES = PackageInfoRules.read(ROOT);

    private static Set<String> packagesWithClasses() {
        return CLASSES.stream()
                .filter(c -> !c.getSimpleName().equals("package-info"))
                .map(JavaClass::getPackageName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void importsTheClassesOfEveryModule() {
        Set<String> modules = packagesWithClasses().stream()
                .map(PackageInfoRules::moduleOf)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(modules)
                .containsExactlyInAnyOrderElementsOf(PackageInfoRules.MODULES.stream()
                        .map(m -> "io.sluice." + m)
                        .toList());
    }

    @Test
    void everyPackageStatesItsDependenciesInOneSentence() {
        List<String> problems = new ArrayList<>();
        for (String pkg : packagesWithClasses()) {
            PackageInfo info = RULES.packages().get(pkg);
            if (info == null) {
                problems.add(pkg + ": no package-info.java");
            } else if (info.packageSentence().isEmpty()) {
                problems.add(pkg + ": its package-info has no sentence saying what it \"depends on\"");
            }
        }
        for (PackageInfo info : RULES.packages().values()) {
            info.problems().forEach(p -> problems.add(info.packageName() + ": " + p));
        }
        for (String module : PackageInfoRules.MODULES) {
            PackageInfo root = RULES.packages().get("io.sluice." + module);
            if (root == null || root.moduleSentence().isEmpty()) {
                problems.add("io.sluice." + module + ": the module's root package-info has no sentence starting"
                        + " \"The module depends on\"");
            }
        }
        assertThat(problems).as("package-info dependency sentences").isEmpty();
    }

    @Test
    void everyNamedPackageExists() {
        Set<String> known = new TreeSet<>(RULES.packages().keySet());
        List<String> unknown = new ArrayList<>();
        for (PackageInfo info : RULES.packages().values()) {
            for (String named : union(info.allowed(), info.allowedModules())) {
                String pkg = named.endsWith(".*") ? named.substring(0, named.length() - 2) : named;
                if (!known.contains(pkg)) {
                    unknown.add(info.packageName() + " names " + named);
                }
            }
        }
        assertThat(unknown)
                .as("packages named in package-info sentences that do not exist")
                .isEmpty();
    }

    @TestFactory
    Stream<DynamicTest> packagesDependOnlyOnWhatTheirPackageInfoNames() {
        return RULES.packages().values().stream()
                .filter(info -> info.packageSentence().isPresent())
                .map(info -> DynamicTest.dynamicTest(
                        info.packageName(), () -> packageRule(info).check(CLASSES)));
    }

    @TestFactory
    Stream<DynamicTest> modulesDependOnlyOnWhatTheirRootPackageInfoNames() {
        return RULES.packages().values().stream()
                .filter(info -> info.moduleSentence().isPresent())
                .map(info -> DynamicTest.dynamicTest(
                        "module " + info.packageName(), () -> moduleRule(info).check(CLASSES)));
    }

    @TestFactory
    Stream<DynamicTest> everyNamedDependencyIsUsed() {
        return RULES.packages().values().stream()
                .filter(info -> info.packageSentence().isPresent())
                .map(info -> DynamicTest.dynamicTest(info.packageName(), () -> {
                    Set<String> used = sluiceDependencies(info.packageName());
                    Set<String> unused = info.allowed().stream()
                            .filter(named -> !named.endsWith(".*") && !used.contains(named))
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertThat(unused)
                            .as(
                                    "package %s's package-info (%s) says it depends on packages it does not use;"
                                            + " drop them from the sentence",
                                    info.packageName(), info.source())
                            .isEmpty();
                }));
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.sluice.(**)")
                .should()
                .beFreeOfCycles()
                // chaos.check's command line writes the report, which reads the checker's results (its package-info).
                .ignoreDependency(
                        JavaClass.Predicates.simpleName("CheckMain")
                                .and(JavaClass.Predicates.resideInAPackage("io.sluice.chaos.check")),
                        JavaClass.Predicates.resideInAPackage("io.sluice.chaos.report"))
                .as("no dependency cycle between Sluice packages")
                .check(CLASSES);
    }

    static ArchRule packageRule(PackageInfo info) {
        String pkg = info.packageName();
        return noClasses()
                .that()
                .resideInAPackage(pkg)
                .should()
                .dependOnClassesThat(sluiceOutside(Set.of(pkg), info.allowed()))
                .as("package " + pkg + " depends only on the Sluice packages its package-info names " + info.allowed()
                        + " (" + info.source() + ": \"" + info.packageSentence().orElseThrow() + "\")")
                .allowEmptyShould(true);
    }

    static ArchRule moduleRule(PackageInfo info) {
        String root = info.packageName();
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat(sluiceOutside(Set.of(root + ".*"), info.allowedModules()))
                .as("module " + root + " depends only on the modules its root package-info names "
                        + info.allowedModules() + " (" + info.source() + ": \""
                        + info.moduleSentence().orElseThrow() + "\")")
                .allowEmptyShould(true);
    }

    /** Classes of Sluice packages that neither {@code own} nor {@code allowed} covers. */
    private static DescribedPredicate<JavaClass> sluiceOutside(Set<String> own, Set<String> allowed) {
        return DescribedPredicate.describe(
                "Sluice classes outside " + union(own, allowed),
                c -> isSluice(c.getPackageName())
                        && !PackageInfoRules.allows(own, c.getPackageName())
                        && !PackageInfoRules.allows(allowed, c.getPackageName()));
    }

    private static Set<String> sluiceDependencies(String pkg) {
        return CLASSES.stream()
                .filter(c -> c.getPackageName().equals(pkg))
                .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
                .map(Dependency::getTargetClass)
                .map(JavaClass::getPackageName)
                .filter(p -> isSluice(p) && !p.equals(pkg))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static boolean isSluice(String packageName) {
        return packageName.equals("io.sluice") || packageName.startsWith("io.sluice.");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
