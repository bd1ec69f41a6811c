package io.sluice.broker.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The login module and options of a {@code sasl.jaas.config} value, in the JAAS configuration syntax Kafka accepts:
 * {@code <LoginModuleClass> <required|requisite|sufficient|optional> key="value" key2=value2 ;}. Only the first
 * (usually the only) login module is read. Values are quoted strings (a backslash escapes the next character) or bare
 * words.
 *
 * @param loginModule the login module's class name
 * @param options the options in order of appearance
 */
record JaasOptions(String loginModule, Map<String, String> options) {

    /** The class name Kafka's PLAIN login module is configured with. */
    static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    /** The class name Kafka's SCRAM login module is configured with. */
    static final String SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    JaasOptions {
        options = Map.copyOf(options);
    }

    /**
     * Parses {@code value}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    static JaasOptions parse(String value) {
        Tokens t = new Tokens(value);
        String module = t.word();
        if (module.isEmpty()) {
            throw new IllegalArgumentException("expected a login module class name");
        }
        String flag = t.word();
        if (!flag.matches("(?i)required|requisite|sufficient|optional")) {
            throw new IllegalArgumentException("expected a control flag (required, requisite, sufficient or optional)"
                    + " after " + module + ", found '" + flag + "'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            t.skipSpace();
            if (t.atEnd()) {
                throw new IllegalArgumentException("missing ';' at the end of the login module entry");
            }
            if (t.peek() == ';') {
                break;
            }
            String key = t.word();
            t.skipSpace();
            if (key.isEmpty() || t.atEnd() || t.next() != '=') {
                throw new IllegalArgumentException("expected key=value in the options of " + module);
            }
            t.skipSpace();
            options.put(key, t.atEnd() || t.peek() != '"' ? t.word() : t.quoted());
        }
        return new JaasOptions(module, options);
    }

    /** The option's value, or {@code null}. */
    String option(String key) {
        return options.get(key);
    }

    @Override
    public String toString() {
        // Options carry passwords: never print them.
        return "JaasOptions(" + loginModule + ", keys=" + options.keySet() + ")";
    }

    private static final class Tokens {
        private final String s;
        private int pos;

        Tokens(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        char next() {
            return s.charAt(pos++);
        }

        void skipSpace() {
            while (!atEnd() && Character.isWhitespace(peek())) {
                pos++;
            }
        }

        String word() {
            skipSpace();
            int start = pos;
            while (!atEnd() && !Character.isWhitespace(peek()) && peek() != '=' && peek() != ';' && peek() != '"') {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            pos++;
            StringBuilder out = new StringBuilder();
            while (!atEnd()) {
                char c = next();
                if (c == '\\' && !atEnd()) {
                    out.append(next());
                } else if (c == '"') {
                    return out.toString();
                } else {
                    out.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated quoted value");
        }
    }
}
