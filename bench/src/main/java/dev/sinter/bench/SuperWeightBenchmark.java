package dev.sinter.bench;

import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Times the super-weight analysis on stories260K: one detector pass (one prompt, median of repeats after warm-up)
 * and one ablation table (original, prune, prune non-SW, prune + restore SA, and the scaling sweep) over
 * {@code --tasks} with {@code --limit} items. Prints one JSON line.
 *
 * <p>Usage: {@code SuperWeightBenchmark [--shared ../shared] [--tasks lambada_openai] [--limit 50] [--repeats 5]}
 */
public final class SuperWeightBenchmark {
    public static void main(String[] args) throws IOException {
        BenchArgs a = new BenchArgs(args);
        Path shared = Path.of(a.str("--shared", "../shared"));
        String tasks = a.str("--tasks", "lambada_openai");
        int limit = a.num("--limit", 50);
        int repeats = a.num("--repeats", 5);
        Path models = shared.resolve("data/models/stories260K");
        TransformerModel model = Llama2cCheckpoint.load(models.resolve("stories260K.bin"));
        Tokenizer tok = TokenizerType.registry().get("llama2c").load(models.resolve("tok512.bin"));
        SuperWeightDetector detector = new SuperWeightDetector(SuperWeightDetector.Options.DEFAULT);
        List<String> prompt = List.of(SuperWeightDetector.DEFAULT_PROMPTS.get(0));
        detector.detect(model, tok, prompt); // warm-up
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            detector.detect(model, tok, prompt);
            times.add((System.nanoTime() - t0) / 1e9);
        }
        times.sort(Double::compare);
        // stories260K has no super weight (see the issue note); time the table on its strongest candidate
        SuperWeight candidate = SuperWeight.parse("4,20,8");
        long t0 = System.nanoTime();
        Ablations.Table table = new Ablations(model, tok, Tasks.parse(tasks, shared.resolve("data")), limit, 16)
                .run(List.of(candidate), 1e-4, Ablations.SCALES, OptionalLong.empty());
        double ablation = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "{\"model\": \"stories260K\", \"detector_pass_s\": %.4f, \"ablation_table_s\": %.2f,"
                        + " \"conditions\": %d, \"tasks\": \"%s\", \"limit\": %d}%n", times.get(times.size() / 2), ablation,
                table.conditions().size(), tasks, limit);
    }

}
