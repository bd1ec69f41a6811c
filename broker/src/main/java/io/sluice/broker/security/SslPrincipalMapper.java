package io.sluice.broker.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ssl.principal.mapping.rules}: an ordered list of {@code RULE:pattern/replacement/[L|U]} and {@code DEFAULT},
 * separated by commas or new lines. The first rule whose pattern matches the whole distinguished name (RFC 2253 form,
 * {@code CN=alice,OU=eng,O=corp}) gives the user name, {@code replacement} may use the pattern's groups ({@code $1}),
 * {@code L}/{@code U} lower- or upper-case the result; {@code DEFAULT} gives the distinguished name unchanged. No
 * matching rule fails the connection's authentication, as in Kafka.
 *
 * <p>Thread-safety: immutable.
 */
final class SslPrincipalMapper {
    /** One rule, with a comma or new line (or the end) after it; slashes in a pattern are escaped as {@code \/}. */
    private static final Pattern RULE =
            Pattern.compile("\\s*(DEFAULT|RULE:((?:\\\\.|[^\\\\/])*)/((?:\\\\.|[^\\\\/])*)/([LU]?))\\s*(?:[,\\n]|$)");

    private record Rule(Pattern pattern, String replacement, boolean lower, boolean upper) {
        Optional<String> apply(String dn) {
            if (pattern == null) {
                return Optional.of(dn);
            }
            Matcher m = pattern.matcher(dn);
            if (!m.matches()) {
                return Optional.empty();
            }
            String out = m.replaceAll(replacement);
            if (lower) {
                out = out.toLowerCase(Locale.ROOT);
            } else if (upper) {
                out = out.toUpperCase(Locale.ROOT);
            }
            return Optional.of(out);
        }
    }

    private final List<Rule> rules;

    private SslPrincipalMapper(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Parses the rules.
     *
     * @throws IllegalArgumentException for text that is not a rule list
     */
    static SslPrincipalMapper parse(String value) {
        List<Rule> rules = new ArrayList<>();
        String text = value.trim();
        Matcher m = RULE.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("Invalid rule at '" + text.substring(at) + "'");
            }
            if (m.group(1).equals("DEFAULT")) {
                rules.add(new Rule(null, null, false, false));
            } else {
                String flag = m.group(4);
                rules.add(new Rule(
                        Pattern.compile(m.group(2).replace("\\/", "/")),
                        m.group(3).replace("\\/", "/"),
                        flag.equals("L"),
                        flag.equals("U")));
            }
            at = m.end();
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no rules");
        }
        return new SslPrincipalMapper(rules);
    }

    /**
     * The user name for {@code distinguishedName}.
     *
     * @throws IllegalArgumentException if no rule matches
     */
    String map(String distinguishedName) {
        for (Rule rule : rules) {
            Optional<String> name = rule.apply(distinguishedName);
            if (name.isPresent()) {
                return name.get();
            }
        }
        throw new IllegalArgumentException("No rule in ssl.principal.mapping.rules applies to " + distinguishedName);
    }
}
