package dev.sinter.encoders.continual.lm;

import dev.sinter.encoders.continual.ContinualReportParts;
import dev.sinter.framework.report.HtmlPage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code continual.html} of a decoder continual run, beside its {@code continual.json}: the summary (final average
 * perplexity, forgetting and BWT in nats, prompt sets, PRA), the perplexity matrix as a heat map
 * ({@code perplexity_matrix.png}: the frozen model's zero-shot row on top, then row i = after domain i, column j =
 * domain j, values printed in the cells) and as tables of perplexity and NLL, the domains, and each domain's
 * prompt set with the grow/reuse decision and the method's details (LW2G's angles θ_k and ε).
 */
final class LmContinualReport {
    static final String PAGE = "continual.html";
    static final String HEAT_MAP = "perplexity_matrix.png";
    static final String ZERO_SHOT = "zero-shot (frozen)";

    private LmContinualReport() {
    }

    @SuppressWarnings("unchecked")
    static Path write(Path runDir, Map<String, Object> summary, List<Double> zeroShotNll,
                      List<LmContinualRunner.Row> rows) throws IOException {
        List<String> names = rows.stream().map(LmContinualRunner.Row::domain).toList();
        List<String> rowNames = new ArrayList<>(List.of(ZERO_SHOT));
        rowNames.addAll(names);
        List<List<Double>> nll = new ArrayList<>(List.of(zeroShotNll));
        rows.forEach(r -> nll.add(r.nll()));
        List<List<Double>> ppl = nll.stream().map(r -> r.stream().map(Math::exp).toList()).toList();
        List<List<Double>> shown = ppl.stream().map(r -> r.stream().map(v -> Math.round(v * 10) / 10.0).toList())
                .toList();
        double min = shown.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = shown.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max().orElseThrow();
        ContinualReportParts.writeHeatMap(runDir.resolve(HEAT_MAP), "perplexity after domain i (y) on domain j (x)",
                "test domain", "after domain", names, rowNames, shown, min, max);

        Map<String, Object> headline = new LinkedHashMap<>();
        for (String k : List.of("method", "model", "seed", "seq_len", "final_average_perplexity", "final_average_nll",
                "average_forgetting_nll", "backward_transfer_nll", "prompt_sets")) {
            Object v = summary.get(k);
            headline.put(k, v instanceof Double d ? decimals(d) : v);
        }
        headline.put("pra (%)", ContinualReportParts.percent((Double) summary.get("pra")));
        List<String> columns = new ArrayList<>(List.of("after \\ on"));
        columns.addAll(names);
        List<ContinualReportParts.Decision> decisions = rows.stream().map(r -> new ContinualReportParts.Decision(
                r.domain(), r.promptSet(), r.grew(), r.promptSets(), r.pra(), r.details())).toList();
        List<Map<String, Object>> domains = (List<Map<String, Object>>) summary.get("domains");
        Function<Double, String> fmt = LmContinualReport::decimals;
        return new HtmlPage("Decoder continual run " + summary.get("name"))
                .title("Decoder continual run " + summary.get("name") + " (" + summary.get("method") + ")")
                .keyValues(headline)
                .paragraph("Forgetting and BWT are in nats of next-token NLL (lower NLL is better): forgetting is the"
                        + " mean over the old domains of final NLL minus their lowest earlier NLL, BWT the mean of"
                        + " final NLL minus the NLL just after learning them, so positive BWT is forgetting.")
                .heading("Perplexity matrix: row = after learning domain i (the first row: the frozen model),"
                        + " column = test windows of domain j")
                .image(HEAT_MAP, "perplexity matrix heat map")
                .table(columns, ContinualReportParts.matrixRows(rowNames, ppl, names.size(), fmt))
                .heading("NLL matrix (nats)")
                .table(columns, ContinualReportParts.matrixRows(rowNames, nll, names.size(), fmt))
                .heading("Domains")
                .table(domains, String::valueOf)
                .heading("Per domain: prompt set, grow or reuse, and the method's details")
                .table(ContinualReportParts.DECISION_COLUMNS, ContinualReportParts.decisionRows(decisions))
                .heading("Method settings")
                .keyValues((Map<String, ?>) summary.get("settings"))
                .write(runDir.resolve(PAGE));
    }

    /** {@code v} to three decimals; a value that rounds to zero prints as 0.000, never -0.000. */
    static String decimals(double v) {
        double rounded = Math.round(v * 1000) / 1000.0;
        return String.format(Locale.ROOT, "%.3f", rounded == 0 ? 0.0 : rounded);
    }
}
