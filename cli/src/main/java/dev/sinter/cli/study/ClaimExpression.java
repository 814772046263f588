package dev.sinter.cli.study;

import dev.sinter.framework.config.Suggest;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A claim's comparison, {@code LEFT OP RIGHT}: OP is one of {@code <}, {@code <=}, {@code >}, {@code >=}; each side
 * is arithmetic over metric names and numbers with {@code + - * /}, parentheses and {@code abs(..)}, e.g.
 * {@code moe8 < moe4}, {@code dense - moe8 > 0.01}, {@code abs(pyramid - residual) < 0.05}.
 *
 * @param text    the expression as written
 * @param left    the left side
 * @param op      the comparison operator
 * @param right   the right side
 * @param metrics the metric names it reads, in order of appearance
 */
public record ClaimExpression(String text, Side left, String op, Side right, Set<String> metrics) {
    /** The example in error messages. */
    static final String EXAMPLE = "e.g. 'moe8 < moe4', 'dense - moe8 > 0.01' or 'abs(pyramid - residual) < 0.05'";

    /** One side of the comparison: a number computed from the metrics' values (one seed's). */
    public interface Side extends ToDoubleFunction<Map<String, Double>> {
    }

    /** The left side's value minus the right side's, for one seed's metric values. */
    public double difference(Map<String, Double> values) {
        return left.applyAsDouble(values) - right.applyAsDouble(values);
    }

    /**
     * How far the claim holds for a difference {@code left − right}: positive when it holds ({@code <}: the
     * difference's negation), so every operator reads the same way.
     */
    public double margin(double difference) {
        return op.startsWith("<") ? -difference : difference;
    }

    /** Whether the comparison holds at this margin ({@code <=}/{@code >=} hold at 0, {@code <}/{@code >} do not). */
    public boolean holds(double margin) {
        return op.endsWith("=") ? margin >= 0 : margin > 0;
    }

    /**
     * Parses {@code text}; every name must be one of {@code known}.
     *
     * @throws IllegalArgumentException naming the problem, its position and the fix
     */
    public static ClaimExpression parse(String text, Collection<String> known) {
        Parser p = new Parser(text, known);
        Side left = p.sum();
        String op = p.operator();
        Side right = p.sum();
        p.end();
        return new ClaimExpression(text, left, op, right, Set.copyOf(p.names));
    }

    /** Recursive descent over the grammar in the class comment. */
    private static final class Parser {
        private final String s;
        private final Collection<String> known;
        private final Set<String> names = new LinkedHashSet<>();
        private int i;

        Parser(String s, Collection<String> known) {
            this.s = s;
            this.known = known;
        }

        Side sum() {
            Side acc = product();
            for (char c = peek(); c == '+' || c == '-'; c = peek()) {
                i++;
                Side a = acc;
                Side b = product();
                acc = c == '+' ? v -> a.applyAsDouble(v) + b.applyAsDouble(v) : v -> a.applyAsDouble(v) - b.applyAsDouble(v);
            }
            return acc;
        }

        Side product() {
            Side acc = unary();
            for (char c = peek(); c == '*' || c == '/'; c = peek()) {
                i++;
                Side a = acc;
                Side b = unary();
                acc = c == '*' ? v -> a.applyAsDouble(v) * b.applyAsDouble(v) : v -> a.applyAsDouble(v) / b.applyAsDouble(v);
            }
            return acc;
        }

        Side unary() {
            if (peek() == '-') {
                i++;
                Side a = unary();
                return v -> -a.applyAsDouble(v);
            }
            return primary();
        }

        Side primary() {
            char c = peek();
            if (c == '(') {
                i++;
                Side inner = sum();
                expect(')');
                return inner;
            }
            if (Character.isDigit(c) || c == '.') {
                int start = i;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == 'e'
                        || s.charAt(i) == 'E' || (s.charAt(i) == '-' || s.charAt(i) == '+')
                        && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E'))) {
                    i++;
                }
                try {
                    double value = Double.parseDouble(s.substring(start, i));
                    return v -> value;
                } catch (NumberFormatException e) {
                    throw problem(start, "'" + s.substring(start, i) + "' is not a number");
                }
            }
            if (Character.isLetter(c)) {
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                    i++;
                }
                String name = s.substring(start, i);
                if (name.equals("abs") && peek() == '(') {
                    i++;
                    Side inner = sum();
                    expect(')');
                    return v -> Math.abs(inner.applyAsDouble(v));
                }
                if (!known.contains(name)) {
                    throw problem(start, "unknown metric '" + name + "'" + Suggest.didYouMean(name, known)
                            + "; declare it under metrics: (declared: " + Suggest.list(known) + ")");
                }
                names.add(name);
                return v -> {
                    Double x = v.get(name);
                    if (x == null) {
                        throw new IllegalStateException("no value for metric '" + name + "'");
                    }
                    return x;
                };
            }
            throw problem(i, i >= s.length() ? "it ends where a metric name or number is expected"
                    : "'" + c + "' where a metric name or number is expected");
        }

        String operator() {
            char c = peek();
            if (c != '<' && c != '>') {
                throw problem(i, (i >= s.length() ? "there is no comparison" : "'" + c + "' where a comparison"
                        + " (<, <=, >, >=) is expected"));
            }
            i++;
            if (i < s.length() && s.charAt(i) == '=') {
                i++;
                return c + "=";
            }
            return String.valueOf(c);
        }

        void end() {
            if (peek() != 0) {
                throw problem(i, "unexpected '" + s.substring(i).strip() + "' after the comparison (one comparison"
                        + " per claim)");
            }
        }

        private void expect(char c) {
            if (peek() != c) {
                throw problem(i, "'" + c + "' expected");
            }
            i++;
        }

        /** The next non-blank character (0 at the end), without consuming it. */
        private char peek() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            return i < s.length() ? s.charAt(i) : 0;
        }

        private IllegalArgumentException problem(int at, String what) {
            return new IllegalArgumentException(String.format(Locale.ROOT,
                    "'%s' at character %d: %s; write one comparison, %s", s, at + 1, what, EXAMPLE));
        }
    }
}
