package io.sluice.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The sources cite the design documents of the repository only, and only anchors that exist: every
 * {@code docs/NAME.md#anchor} in a Java source or POM names a file in {@code docs/} with that anchor (an {@code <a
 * id>} or a heading's slug), and no source cites ({@code NAME.md#anchor}, {@code NAME.md §n}, {@code NAME.md section
 * n}) a document that is not in the repository, such as the external design reference the code used to cite.
 * Markdown links between the documents of {@code docs/} are checked the same way. The architecture module's own
 * sources, which quote these forms, are not scanned.
 */
class DocReferencesTest {
    private static final Path ROOT = RepositoryRoot.path();
    private static final Pattern DOC_REFERENCE = Pattern.compile("docs/([\\w.-]+\\.md)(?:#([\\w-]+))?");
    /** A citation of a document: {@code NAME.md#anchor}, {@code NAME.md §n} or {@code NAME.md section n}. */
    private static final Pattern CITATION =
            Pattern.compile("(?<![\\w/.-])((?:\\.\\./|[\\w.-]+/)*[\\w.-]+\\.md)(?:#[\\w-]+|\\s+§|\\s+section\\b)");

    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)#\\s]*)(?:#([^)\\s]+))?\\)");
    private static final Pattern ANCHOR_TAG = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$");

    @Test
    void sourcesCiteOnlyExistingAnchorsOfDocumentsInTheRepository() throws IOException {
        List<String> problems = new ArrayList<>();
        int citations = 0;
        for (Path file : sources()) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String where = ROOT.relativize(file).toString();
            Matcher m = DOC_REFERENCE.matcher(text);
            while (m.find()) {
                citations++;
                check(where + ":" + line(text, m.start()), ROOT.resolve("docs").resolve(m.group(1)), m.group(2))
                        .ifPresent(problems::add);
            }
            Matcher any = CITATION.matcher(text);
            while (any.find()) {
                String named = any.group(1);
                boolean inRepository = !named.startsWith("../")
                        && (Files.isRegularFile(ROOT.resolve(named))
                                || Files.isRegularFile(ROOT.resolve("docs").resolve(named)));
                if (!inRepository) {
                    problems.add(where + ":" + line(text, any.start()) + " refers to " + named
                            + ", which is not a document of this repository");
                }
            }
        }
        assertThat(problems).as("references to design documents").isEmpty();
        assertThat(citations)
                .as("docs/*.md citations found (the scan found the sources)")
                .isPositive();
    }

    @Test
    void linksBetweenTheDocumentsResolve() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).toList()) {
                String text = Files.readString(doc, StandardCharsets.UTF_8);
                Matcher m = MARKDOWN_LINK.matcher(text);
                while (m.find()) {
                    String target = m.group(1);
                    if (target.contains("://") || target.startsWith("mailto:")) {
                        continue;
                    }
                    Path file = target.isEmpty()
                            ? doc
                            : doc.getParent().resolve(target).normalize();
                    String where = ROOT.relativize(doc) + ":" + line(text, m.start());
                    if (!file.startsWith(ROOT)) {
                        problems.add(where + " links outside the repository: " + target);
                    } else if (target.isEmpty() || target.endsWith(".md")) {
                        check(where, file, m.group(2)).ifPresent(problems::add);
                    } else if (!Files.exists(file)) {
                        problems.add(where + " links to a missing file: " + target);
                    }
                }
            }
        }
        assertThat(problems).as("links between docs/*.md").isEmpty();
    }

    @Test
    void findsExplicitAnchorsAndHeadingSlugs() {
        Set<String> anchors = anchors("<a id=\"controller-fencing\"></a>\n## 5. Controller: the `epoch`, fenced!\n");

        assertThat(anchors).contains("controller-fencing", "5-controller-the-epoch-fenced");
    }

    private static java.util.Optional<String> check(String where, Path document, String anchor) throws IOException {
        if (!Files.isRegularFile(document)) {
            return java.util.Optional.of(where + " cites " + ROOT.relativize(document) + ", which does not exist");
        }
        if (anchor != null
                && !anchors(Files.readString(document, StandardCharsets.UTF_8)).contains(anchor)) {
            return java.util.Optional.of(
                    where + " cites " + ROOT.relativize(document) + "#" + anchor + ", an anchor it does not have");
        }
        return java.util.Optional.empty();
    }

    /** The anchors of a Markdown document: explicit {@code <a id>} tags and GitHub's slugs of its headings. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        Matcher tag = ANCHOR_TAG.matcher(markdown);
        while (tag.find()) {
            anchors.add(tag.group(1));
        }
        Matcher heading = HEADING.matcher(markdown);
        while (heading.find()) {
            anchors.add(heading.group(1)
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-'));
        }
        return anchors;
    }

    /** Java sources and POMs of every module, main and test. */
    private static List<Path> sources() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("pom.xml"));
        try (Stream<Path> top = Files.list(ROOT)) {
            for (Path module : top.filter(p -> Files.isRegularFile(p.resolve("pom.xml")))
                    .filter(p -> !p.getFileName().toString().equals("architecture"))
                    .toList()) {
                files.add(module.resolve("pom.xml"));
                Path src = module.resolve("src");
                if (Files.isDirectory(src)) {
                    try (Stream<Path> walk = Files.walk(src)) {
                        walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
                    }
                }
            }
        }
        return files;
    }

    private static int line(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
