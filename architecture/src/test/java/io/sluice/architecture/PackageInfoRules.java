package io.sluice.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The dependency rules that the {@code package-info.java} files of the main sources state in prose, read from those
 * sentences so that prose and gate cannot diverge.
 *
 * <p>The grammar, kept deliberately small:
 *
 * <ul>
 *   <li>A <em>package sentence</em> is the one sentence of a package's javadoc that contains "depends on" (or "depend
 *       on", "depends only on") and does not start with "The module". Every Sluice package it may use is named in it as {@code {@code
 *       io.sluice.…}}; {@code io.sluice.x.*} stands for {@code io.sluice.x} and all its subpackages. Anything after
 *       the word "never" lists what the package must not use and is ignored (the allowed list already excludes it).
 *       Libraries and the JDK may be named in plain words; they are not checked here.
 *   <li>A <em>module sentence</em> starts with "The module depends on"; it stands in the javadoc of a module's root
 *       package ({@code io.sluice.metadata}, …) and names the other modules it may use as {@code {@code
 *       io.sluice.m.*}}.
 * </ul>
 */
record PackageInfoRules(TreeMap<String, PackageInfo> packages) {

    /** The module roots: {@code io.sluice.<module>} for every module directory with main sources. */
    static final List<String> MODULES = List.of("metadata", "controller", "replication", "broker", "chaos");

    private static final Pattern DEPENDS = Pattern.compile("(?i)\\bdepends?\\s+(?:only\\s+)?on\\b");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=\\.)\\s+(?=[A-Z{])");
    private static final Pattern SLUICE_PACKAGE =
            Pattern.compile("\\{@code\\s+(io\\.sluice(?:\\.[a-z][a-z0-9]*)*)(\\.\\*)?\\s*}");
    private static final Pattern NEVER = Pattern.compile("\\bnever\\b");

    /**
     * What one {@code package-info.java} says.
     *
     * @param packageSentence the sentence stating the package's dependencies, if any
     * @param allowed the Sluice packages named in it, exact names or {@code io.sluice.x.*}
     * @param moduleSentence the sentence stating the module's dependencies, in a module's root package only
     * @param allowedModules the module roots named there, as {@code io.sluice.x.*}
     */
    record PackageInfo(
            String packageName,
            Path source,
            Optional<String> packageSentence,
            Set<String> allowed,
            Optional<String> moduleSentence,
            Set<String> allowedModules,
            List<String> problems) {}

    /** Reads the {@code package-info.java} files of every module's main sources under {@code repositoryRoot}. */
    static PackageInfoRules read(Path repositoryRoot) {
        TreeMap<String, PackageInfo> packages = new TreeMap<>();
        for (String module : MODULES) {
            Path sources = repositoryRoot.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(f -> f.getFileName().toString().equals("package-info.java"))
                        .toList()) {
                    PackageInfo info = parse(file, Files.readString(file, StandardCharsets.UTF_8));
                    packages.put(info.packageName(), info);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the sources of module " + module, e);
            }
        }
        return new PackageInfoRules(packages);
    }

    /** Parses one {@code package-info.java}'s text. */
    static PackageInfo parse(Path source, String text) {
        Matcher pkg = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;").matcher(text);
        if (!pkg.find()) {
            throw new IllegalArgumentException(source + " has no package declaration");
        }
        String packageName = pkg.group(1);
        List<String> problems = new ArrayList<>();
        List<String> packageSentences = new ArrayList<>();
        List<String> moduleSentences = new ArrayList<>();
        for (String sentence : sentences(javadoc(text))) {
            if (!DEPENDS.matcher(sentence).find()) {
                continue;
            }
            if (sentence.startsWith("The module")) {
                moduleSentences.add(sentence);
            } else {
                packageSentences.add(sentence);
            }
        }
        if (packageSentences.size() > 1) {
            problems.add("states its dependencies in " + packageSentences.size()
                    + " sentences; exactly one sentence may say \"depends on\": " + packageSentences);
        }
        if (moduleSentences.size() > 1) {
            problems.add("has " + moduleSentences.size() + " module sentences: " + moduleSentences);
        }
        Optional<String> packageSentence = packageSentences.stream().findFirst();
        Optional<String> moduleSentence = moduleSentences.stream().findFirst();
        return new PackageInfo(
                packageName,
                source,
                packageSentence,
                packageSentence.map(PackageInfoRules::namedPackages).orElse(Set.of()),
                moduleSentence,
                moduleSentence.map(PackageInfoRules::namedPackages).orElse(Set.of()),
                problems);
    }

    /** The Sluice packages a dependency sentence allows: its {@code {@code io.sluice.…}} names before "never". */
    static Set<String> namedPackages(String sentence) {
        Matcher never = NEVER.matcher(sentence);
        String allowedPart = never.find() ? sentence.substring(0, never.start()) : sentence;
        Set<String> named = new TreeSet<>();
        Matcher m = SLUICE_PACKAGE.matcher(allowedPart);
        while (m.find()) {
            named.add(m.group(1) + (m.group(2) == null ? "" : ".*"));
        }
        return named;
    }

    /** The text of the first javadoc comment, without comment markers and with whitespace collapsed. */
    static String javadoc(String text) {
        int start = text.indexOf("/**");
        int end = start < 0 ? -1 : text.indexOf("*/", start);
        if (start < 0 || end < 0) {
            return "";
        }
        StringBuilder body = new StringBuilder();
        for (String line : text.substring(start + 3, end).split("\n")) {
            String trimmed = line.strip();
            body.append(trimmed.startsWith("*") ? trimmed.substring(1) : trimmed)
                    .append(' ');
        }
        return body.toString().replaceAll("\\s+", " ").strip();
    }

    /** Splits prose into sentences: at a full stop followed by a space and a capital letter or an inline tag. */
    static List<String> sentences(String prose) {
        return Stream.of(SENTENCE_END.split(prose))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** Whether {@code target} is one of {@code allowed} (exact, or below an {@code x.*} entry). */
    static boolean allows(Set<String> allowed, String target) {
        for (String entry : allowed) {
            if (entry.endsWith(".*")) {
                String root = entry.substring(0, entry.length() - 2);
                if (target.equals(root) || target.startsWith(root + ".")) {
                    return true;
                }
            } else if (entry.equals(target)) {
                return true;
            }
        }
        return false;
    }

    /** The module root ({@code io.sluice.x}) of a Sluice package. */
    static String moduleOf(String packageName) {
        String[] parts = packageName.split("\\.");
        return parts.length < 3 ? packageName : parts[0] + "." + parts[1] + "." + parts[2];
    }
}
