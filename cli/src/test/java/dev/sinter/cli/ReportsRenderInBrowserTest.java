package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChartBuilder;

/**
 * The reports as a reader sees them: a one-seed study of a tiny model writes a run report, a sweep report, a
 * super-weight report (ablations, scaling sweep, quantization, stopwords) and the study report; each is opened in
 * headless Chromium and every plot on it must be displayed with data drawn ({@link BrowserCheck}). The continual
 * report is checked the same way in {@code ContinualCliTest}. Skipped when Chromium is not installed
 * ({@code apt-get install -y chromium}); screenshots stay in the test's temporary folder.
 */
class ReportsRenderInBrowserTest {
    @TempDir
    Path dir;

    @Test
    void everyPlotOfTheRunSweepSuperWeightAndStudyReportsIsDrawn() throws Exception {
        assumeTrue(BrowserCheck.chromium().isPresent(), "chromium not installed (apt-get install -y chromium)");
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, TestCorpus.sentences(4_000, 7));
        Files.writeString(dir.resolve("run.yaml"), """
                name: x
                model: {name: tiny}
                data: {train: %s, seq_len: 32}
                training: {steps: 6, batch_size: 2, lr: 3.0e-3, warmup_steps: 2, eval_every: 3, eval_batches: 1}
                checkpoint: {every: 6}
                samples: {count: 2, prompts: ["The", "A"], max_new_tokens: 4}
                analysis: {super_weights: false, emergence: false}
                """.formatted(corpus));
        Path fixtures = TestData.fixture("eval/piqa.jsonl").getParent().getParent();
        Path study = dir.resolve("views.yaml");
        Files.writeString(study, """
                name: views
                output_dir: %s
                seeds: [1]
                stages:
                  base: {kind: train, config: run.yaml}
                  ft: {kind: sweep, config: run.yaml, set: {model.from: "${stages.base.run}"}, variants: {lr-a: {}, lr-b: {training.lr: 1.0e-3}}}
                  sw: {kind: analyze, model: "${stages.base.run}", perplexity: %s, ablate: true, prune_fraction: 0.01,
                       scales: [0.0, 2.0, 3.0], strongest_candidate: true, stopwords: 5, data_dir: %s,
                       quantization: {bits: 4, block_sizes: [64, tensor]}}
                metrics:
                  loss: ${stages.base.run}/summary.json#/validation_loss
                  again: ${stages.ft.runs.lr-a}/summary.json#/validation_loss
                claims:
                  again_lower: {paper: more training lowers the loss, holds: again < loss}
                  same_scale: {paper: the loss stays within 1 nat, holds: abs(again - loss) < 1}
                """.formatted(dir.resolve("runs"), fixtures.resolve("corpora/tinystories_sample.txt"), fixtures));
        Sinter.study(study);
        Path s = dir.resolve("runs/views");
        List<Path> pages = List.of(s.resolve("seed-1/base/report.html"), s.resolve("seed-1/ft/lr-a/report.html"),
                s.resolve("seed-1/ft/sweep.html"), s.resolve("seed-1/sw/super_weights.html"), s.resolve("study.html"));
        String run = Files.readString(pages.get(0));
        for (String shown : List.of("Resolved config (config.yaml)", "lr.png", "grad_norm.png", "throughput.png",
                "model.dim", "trainable_parameters", "<td>The</td>", "<td>A</td>")) {
            assertTrue(run.contains(shown), shown + " missing from the run report");
        }
        for (Path page : pages) {
            BrowserCheck.assertPlotsDrawn(page, dir.resolve(s.relativize(page).toString().replace('/', '-') + ".png"));
        }
    }

    /** The check fails on a page whose image does not load and on a plot without data. */
    @Test
    void aBrokenImageOrAnEmptyPlotFailsTheCheck() throws Exception {
        assumeTrue(BrowserCheck.chromium().isPresent(), "chromium not installed (apt-get install -y chromium)");
        Path broken = dir.resolve("broken.html");
        Files.writeString(broken, "<!doctype html><html><head></head><body><p>x</p><img src=\"missing.png\" alt=\"a"
                + " plot\"></body></html>");
        assertEquals(0, BrowserCheck.render(broken, dir.resolve("broken.png")).size());
        assertThrows(AssertionError.class, () -> BrowserCheck.assertPlotsDrawn(broken, dir.resolve("b.png")));
        var empty = new XYChartBuilder().width(600).height(400).title("no data").xAxisTitle("x").yAxisTitle("y")
                .build();
        empty.getStyler().setLegendVisible(false);
        empty.addSeries("nothing", new double[]{0}, new double[]{0}).setMarker(
                org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        BitmapEncoder.saveBitmap(empty, dir.resolve("empty.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        Path page = dir.resolve("empty.html");
        Files.writeString(page, "<!doctype html><html><head></head><body><img src=\"empty.png\" alt=\"e\"></body>"
                + "</html>");
        List<BrowserCheck.Figure> figures = BrowserCheck.render(page, dir.resolve("empty-shot.png"));
        assertEquals(1, figures.size(), figures.toString());
        assertTrue(figures.get(0).coloured() < BrowserCheck.MIN_COLOURED, figures.toString());
    }
}
