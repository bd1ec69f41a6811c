package io.sluice.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Comment;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The dependency gate of the build: the root POM runs {@code dependency:analyze-only} in {@code verify} of every module
 * and fails on a warning (a class used from a dependency that is not declared, a declared dependency no class uses),
 * and every dependency a module exempts from the "unused" rule (a native library, a binding found at run time, a tool
 * run in a child JVM) says why in a comment right before it.
 */
class BuildGatesTest {
    private static final Path ROOT = RepositoryRoot.path();
    private static final String PLUGIN = "maven-dependency-plugin";
    private static final String EXECUTION = "analyze-dependencies";

    @Test
    void everyModuleFailsVerifyOnAnUndeclaredOrUnusedDependency() throws Exception {
        Element project = parse(ROOT.resolve("pom.xml")).getDocumentElement();
        Element build = child(project, "build");

        Element managed = plugin(child(child(build, "pluginManagement"), "plugins"));
        Element execution = execution(managed);
        assertThat(texts(child(execution, "goals"), "goal")).containsExactly("analyze-only");
        assertThat(text(child(child(execution, "configuration"), "failOnWarning")))
                .isEqualTo("${sluice.dependencies.failOnWarning}");
        assertThat(text(child(child(project, "properties"), "sluice.dependencies.failOnWarning")))
                .isEqualTo("true");
        assertThat(plugin(child(build, "plugins")))
                .as("the root POM runs the managed plugin in every module")
                .isNotNull();
    }

    @Test
    void everyExemptionFromTheUnusedRuleSaysWhy() throws Exception {
        List<String> unexplained = new ArrayList<>();
        int exemptions = 0;
        for (Path pom : poms()) {
            NodeList ignored = parse(pom).getElementsByTagName("ignoredUnusedDeclaredDependency");
            for (int i = 0; i < ignored.getLength(); i++) {
                exemptions++;
                Node previous = ignored.item(i).getPreviousSibling();
                while (previous != null && previous.getNodeType() == Node.TEXT_NODE) {
                    previous = previous.getPreviousSibling();
                }
                if (!(previous instanceof Comment comment) || comment.getData().isBlank()) {
                    unexplained.add(
                            ROOT.relativize(pom) + ": " + ignored.item(i).getTextContent());
                }
            }
        }
        assertThat(exemptions).as("exemptions found").isPositive();
        assertThat(unexplained).as("exemptions without a comment saying why").isEmpty();
    }

    private static List<Path> poms() throws IOException {
        List<Path> poms = new ArrayList<>();
        poms.add(ROOT.resolve("pom.xml"));
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(dir -> dir.resolve("pom.xml"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .forEach(poms::add);
        }
        return poms;
    }

    private static Document parse(Path pom) throws ParserConfigurationException, SAXException, IOException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    private static Element plugin(Element plugins) {
        for (Element plugin : children(plugins, "plugin")) {
            if (PLUGIN.equals(text(child(plugin, "artifactId")))) {
                return plugin;
            }
        }
        throw new AssertionError(
                "no " + PLUGIN + " in " + plugins.getParentNode().getNodeName());
    }

    private static Element execution(Element plugin) {
        for (Element execution : children(child(plugin, "executions"), "execution")) {
            if (EXECUTION.equals(text(child(execution, "id")))) {
                return execution;
            }
        }
        throw new AssertionError("no execution " + EXECUTION + " of " + PLUGIN);
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("<%s> in <%s>", name, parent.getNodeName()).hasSize(1);
        return found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static List<String> texts(Element parent, String name) {
        return children(parent, name).stream().map(BuildGatesTest::text).toList();
    }

    private static String text(Element element) {
        return element.getTextContent().trim();
    }
}
