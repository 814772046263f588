package dev.sinter.cli.study;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to an earlier stage's output inside a study file's value: {@code ${stages.NAME.OUTPUT}}, where OUTPUT
 * is {@code run} (a train stage's run directory), {@code runs.VARIANT} (one run of a sweep stage), {@code results} (an
 * evaluate stage's {@code results.json}), {@code model} (a quantize stage's saved model) or {@code dir} (any stage's
 * directory). A value may hold text around references ({@code ${stages.base.run}/summary.json}).
 *
 * @param stage  the stage's name
 * @param output the output: {@code run}, {@code runs}, {@code results}, {@code model} or {@code dir}
 * @param variant the sweep variant for {@code runs}, else null
 * @param text   the reference as written
 */
public record StageRef(String stage, String output, String variant, String text) {
    /** Anything that starts a reference, well-formed or not. */
    private static final Pattern OPENING = Pattern.compile("\\$\\{([^}]*)}?");
    private static final Pattern WELL_FORMED = Pattern.compile(
            "stages\\.([a-z][a-z0-9_]*)\\.(run|dir|results|model|runs\\.([A-Za-z0-9][A-Za-z0-9._-]*))");
    /** The syntax, for error messages. */
    static final String SYNTAX = "${stages.NAME.run}, ${stages.NAME.runs.VARIANT}, ${stages.NAME.results},"
            + " ${stages.NAME.model} or ${stages.NAME.dir}";

    /**
     * Every reference in {@code value}, in order.
     *
     * @throws IllegalArgumentException for a malformed one (the message names it and the syntax)
     */
    public static List<StageRef> find(String value) {
        List<StageRef> refs = new ArrayList<>();
        Matcher m = OPENING.matcher(value);
        while (m.find()) {
            if (!m.group().endsWith("}")) {
                throw new IllegalArgumentException("'" + m.group() + "' has no closing '}'; write " + SYNTAX);
            }
            Matcher w = WELL_FORMED.matcher(m.group(1));
            if (!w.matches()) {
                throw new IllegalArgumentException("'" + m.group() + "' is not a stage reference; write " + SYNTAX);
            }
            boolean sweepRun = w.group(2).startsWith("runs.");
            refs.add(new StageRef(w.group(1), sweepRun ? "runs" : w.group(2), sweepRun ? w.group(3) : null, m.group()));
        }
        return refs;
    }

    /** {@code value} with every reference replaced by what {@code resolve} gives for it. */
    public static String substitute(String value, java.util.function.Function<StageRef, String> resolve) {
        Matcher m = OPENING.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(resolve.apply(find(m.group()).get(0))));
        }
        m.appendTail(out);
        return out.toString();
    }
}
