package io.sluice.broker.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for the block-style YAML subset that the repository's deployment files use: block mappings and
 * sequences, plain / single- / double-quoted scalars, literal block scalars ({@code |}, {@code |-}), empty flow
 * collections and one-line flow sequences of scalars, comments and {@code ---} document separators. Scalars stay
 * strings. Anything else (anchors, aliases, folded scalars, tags, nested flow collections) is rejected, so a file
 * that this reader accepts means the same to any YAML 1.2 parser.
 *
 * <p>Not thread-safe; one instance per text.
 */
final class MiniYaml {
    private final List<String> raw;
    private final List<Line> lines = new ArrayList<>();
    private int pos;

    private record Line(int number, int indent, String text) {}

    private MiniYaml(List<String> raw) {
        this.raw = raw;
    }

    /** All documents of a (possibly multi-document) text. */
    static List<Object> parseAll(String text) {
        List<Object> docs = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int offset = 0;
        int start = 0;
        for (String line : text.split("\n", -1)) {
            if (line.strip().equals("---") || line.startsWith("--- ")) {
                addDocument(docs, current, start);
                current = new ArrayList<>();
                start = offset + 1;
            } else {
                current.add(line);
            }
            offset++;
        }
        addDocument(docs, current, start);
        return docs;
    }

    /** A single-document text. */
    static Object parse(String text) {
        List<Object> docs = parseAll(text);
        if (docs.size() != 1) {
            throw new IllegalArgumentException("Expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    private static void addDocument(List<Object> docs, List<String> lines, int firstLine) {
        MiniYaml reader = new MiniYaml(lines);
        reader.tokenize(firstLine);
        if (!reader.lines.isEmpty()) {
            Object node = reader.node(0);
            if (reader.pos < reader.lines.size()) {
                throw reader.error(reader.lines.get(reader.pos), "unexpected indentation");
            }
            docs.add(node);
        }
    }

    private void tokenize(int firstLine) {
        for (int i = 0; i < raw.size(); i++) {
            String line = raw.get(i).replace("\r", "");
            if (line.contains("\t") && line.strip().length() > 0 && line.indexOf('\t') < indentOf(line) + 1) {
                throw new IllegalArgumentException("line " + (firstLine + i + 1) + ": tab in indentation");
            }
            String text = stripComment(line).stripTrailing();
            if (text.isBlank()) {
                continue;
            }
            int indent = indentOf(text);
            String body = text.substring(indent);
            lines.add(new Line(firstLine + i + 1, indent, body));
            if (body.endsWith(": |") || body.endsWith(": |-") || body.equals("- |") || body.equals("- |-")) {
                // Literal block: keep the following more-indented (or blank) raw lines verbatim.
                int blockIndent = indent;
                StringBuilder block = new StringBuilder();
                int j = i + 1;
                int contentIndent = -1;
                while (j < raw.size()) {
                    String next = raw.get(j).replace("\r", "");
                    if (next.isBlank()) {
                        block.append('\n');
                        j++;
                        continue;
                    }
                    int nextIndent = indentOf(next);
                    if (nextIndent <= blockIndent) {
                        break;
                    }
                    if (contentIndent < 0) {
                        contentIndent = nextIndent;
                    }
                    block.append(next.substring(Math.min(contentIndent, nextIndent)))
                            .append('\n');
                    j++;
                }
                String value = block.toString().replaceAll("\n+$", "\n");
                if (body.endsWith("-")) {
                    value = value.stripTrailing();
                }
                lines.set(
                        lines.size() - 1,
                        new Line(firstLine + i + 1, indent, body.substring(0, body.lastIndexOf('|')) + quote(value)));
                i = j - 1;
            }
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static int indentOf(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if ((c == '"' || c == '\'') && (i == 0 || " :-[,".indexOf(line.charAt(i - 1)) >= 0)) {
                quote = c;
            } else if (c == '#' && (i == 0 || line.charAt(i - 1) == ' ')) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private Object node(int minIndent) {
        Line line = lines.get(pos);
        if (line.indent < minIndent) {
            throw error(line, "expected a value indented at least " + minIndent);
        }
        return isItem(line.text) ? sequence(line.indent) : mapping(line.indent);
    }

    private static boolean isItem(String text) {
        return text.equals("-") || text.startsWith("- ");
    }

    private List<Object> sequence(int indent) {
        List<Object> out = new ArrayList<>();
        while (pos < lines.size() && lines.get(pos).indent == indent && isItem(lines.get(pos).text)) {
            Line line = lines.get(pos);
            String content = line.text.substring(1).strip();
            if (content.isEmpty()) {
                pos++;
                out.add(nestedOrNull(indent, false));
            } else if (keyEnd(content) > 0) {
                int contentIndent = indent + line.text.indexOf(content, 1);
                lines.set(pos, new Line(line.number, contentIndent, content));
                out.add(mapping(contentIndent));
            } else {
                pos++;
                out.add(scalar(line, content));
            }
        }
        return out;
    }

    private Map<String, Object> mapping(int indent) {
        Map<String, Object> out = new LinkedHashMap<>();
        while (pos < lines.size() && lines.get(pos).indent == indent && !isItem(lines.get(pos).text)) {
            Line line = lines.get(pos);
            int end = keyEnd(line.text);
            if (end < 0) {
                throw error(line, "expected 'key: value'");
            }
            String key = unquote(line, line.text.substring(0, end).strip());
            String rest = line.text.substring(end + 1).strip();
            pos++;
            Object value = rest.isEmpty() ? nestedOrNull(indent, true) : scalar(line, rest);
            if (out.containsKey(key)) {
                throw error(line, "duplicate key '" + key + "'");
            }
            out.put(key, value);
        }
        return out;
    }

    /** The value after {@code key:} or {@code -} on its own: a more-indented block, a same-indent sequence, or null. */
    private Object nestedOrNull(int indent, boolean allowSameIndentSequence) {
        if (pos >= lines.size()) {
            return null;
        }
        Line next = lines.get(pos);
        if (next.indent > indent) {
            return node(next.indent);
        }
        if (allowSameIndentSequence && next.indent == indent && isItem(next.text)) {
            return sequence(indent);
        }
        return null;
    }

    /** Index of the ':' ending a mapping key in {@code text}, or -1. */
    private static int keyEnd(String text) {
        int i = 0;
        if (text.startsWith("\"") || text.startsWith("'")) {
            int close = text.indexOf(text.charAt(0), 1);
            if (close < 0) {
                return -1;
            }
            i = close + 1;
            return i < text.length() && text.charAt(i) == ':' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')
                    ? i
                    : -1;
        }
        if (text.startsWith("[") || text.startsWith("{")) {
            return -1;
        }
        for (; i < text.length(); i++) {
            if (text.charAt(i) == ':' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')) {
                return i;
            }
        }
        return -1;
    }

    private Object scalar(Line line, String text) {
        if (text.startsWith("&") || text.startsWith("*") || text.startsWith("!") || text.startsWith(">")) {
            throw error(line, "unsupported YAML construct: " + text);
        }
        if (text.equals("{}")) {
            return new LinkedHashMap<String, Object>();
        }
        if (text.startsWith("[") && text.endsWith("]")) {
            List<Object> items = new ArrayList<>();
            String inner = text.substring(1, text.length() - 1).strip();
            if (!inner.isEmpty()) {
                for (String item : inner.split(",", -1)) {
                    String s = item.strip();
                    if (s.startsWith("[") || s.startsWith("{")) {
                        throw error(line, "nested flow collections are not supported");
                    }
                    items.add(unquote(line, s));
                }
            }
            return items;
        }
        if (text.startsWith("{") || text.startsWith("[")) {
            throw error(line, "unsupported flow collection: " + text);
        }
        if (text.equals("~") || text.equals("null")) {
            return null;
        }
        return unquote(line, text);
    }

    private String unquote(Line line, String s) {
        if (s.length() >= 2 && s.startsWith("'") && s.endsWith("'")) {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            StringBuilder out = new StringBuilder();
            for (int i = 1; i < s.length() - 1; i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    char e = s.charAt(++i);
                    out.append(
                            switch (e) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                case '"', '\\', '/' -> e;
                                default -> throw error(line, "unsupported escape \\" + e);
                            });
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
        if (s.startsWith("\"") || s.startsWith("'")) {
            throw error(line, "unterminated quoted scalar");
        }
        return s;
    }

    private IllegalArgumentException error(Line line, String message) {
        return new IllegalArgumentException("line " + line.number + ": " + message + ": " + line.text);
    }
}
