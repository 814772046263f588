package dev.sinter.bench;

import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.EncoderFineTuner;
import dev.sinter.encoders.EncoderTokenizer;
import dev.sinter.encoders.ImportedEncoder;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.encoders.TextClassificationData;
import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.samediff.SameDiffRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classification fine-tuning of a pretrained encoder with one method, in one process so the peak RSS is the method's
 * own: BoolQ (question, passage → no/yes) or PIQA (goal, solution → wrong/right; a goal is answered by its likelier
 * solution). Prints one JSON line: test accuracy beside the majority baseline, seconds per step, trainable
 * parameters, and for SMT the selected blocks per matrix type.
 *
 * <p>Usage: {@code EncoderClassificationExperiment full|lora|smt [--task boolq|piqa] [--encoder minilm|bge] [--train 400] [--test 200]
 * [--steps 60] [--batch 8] [--max-length 128] [--rank 8] [--blocks 24] [--block 32] [--shared ../shared]}
 */
public final class EncoderClassificationExperiment {
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        String method = a.get(0);
        PretrainedEncoder enc = arg(a, "--encoder", "minilm").equals("bge") ? PretrainedEncoder.BGE_SMALL_EN_V15
                : PretrainedEncoder.ALL_MINILM_L6_V2;
        int train = num(a, "--train", 400);
        int test = num(a, "--test", 200);
        int steps = num(a, "--steps", 60);
        int batch = num(a, "--batch", 8);
        int maxLength = num(a, "--max-length", 128);
        SameDiffRuntime.init();
        ImportedEncoder base = enc.load();
        try (EncoderTokenizer tok = enc.tokenizer()) {
            String task = arg(a, "--task", "boolq");
            Path eval = Path.of(arg(a, "--shared", "../shared")).resolve("data/eval");
            boolean paired = task.equals("piqa");
            TextClassificationData data = paired ? TextClassificationData.piqa(eval.resolve("piqa.jsonl"), test,
                    train + test, 42) : TextClassificationData.boolq(eval.resolve("boolq.jsonl"), test, train + test, 42);
            EncodedBatch x = TextClassificationData.encode(tok, data.train(), maxLength);
            int[] y = data.train().stream().mapToInt(TextClassificationData.Item::label).toArray();
            TrainingConfig t = TrainingConfig.of(steps, batch, batch, 1e-4, 1e-5, steps / 10, 0.01, 0.9, 0.999, 1e-8,
                    1.0, Integer.MAX_VALUE, 1, 10);
            LoraTrainerConfig lora = LoraTrainerConfig.of(num(a, "--rank", 8), 2.0 * num(a, "--rank", 8), 0.1,
                    List.of("q", "k", "v", "o", "up", "down"));
            SmtTrainerConfig smt = SmtTrainerConfig.of(Math.max(1, steps / 10), num(a, "--block", 32), "abs_mean",
                    num(a, "--blocks", 24), null, "global", List.of("q", "k", "v"));
            EncoderFineTuner.Result r = EncoderFineTuner.train(base, x, y, 2, method,
                    method.equals("lora") ? TrainingConfig.of(steps, batch, batch, 1e-3, 1e-4, steps / 10, 0.01, 0.9,
                            0.999, 1e-8, 1.0, Integer.MAX_VALUE, 1, 10) : t, lora, smt, 42);
            EncodedBatch xt = TextClassificationData.encode(tok, data.test(), maxLength);
            INDArray p = EncoderFineTuner.predict(r.model(), xt, 16);
            double accuracy = paired ? data.pairedAccuracy(p) : accuracy(p, data);
            double majority = paired ? data.pairedMajorityBaseline() : data.majorityBaseline();
            Map<String, Integer> blocks = new TreeMap<>();
            r.smtBlocks().forEach(b -> blocks.merge(b.target(), 1, Integer::sum));
            System.out.printf(Locale.ROOT, "{\"task\": \"%s\", \"encoder\": \"%s\", \"method\": \"%s\", \"train\": %d, \"test\": %d,"
                            + " \"steps\": %d, \"accuracy\": %.4f, \"majority_baseline\": %.4f, \"first_loss\": %.4f,"
                            + " \"last_loss\": %.4f, \"s_per_step\": %.3f, \"trainable_params\": %d, \"smt_blocks\": \"%s\","
                            + " \"peak_rss_mb\": %.0f}%n", task, enc.name(), method, data.train().size(), data.test().size(),
                    steps, accuracy, majority, r.losses().get(0),
                    r.losses().get(r.losses().size() - 1), r.secondsPerStep(), r.trainableParameters(), blocks,
                    ModelBenchmark.peakRssMb());
        }
    }

    private static double accuracy(INDArray probs, TextClassificationData data) {
        int correct = 0;
        for (int i = 0; i < data.test().size(); i++) {
            int pred = probs.getDouble(i, 1) > probs.getDouble(i, 0) ? 1 : 0;
            correct += pred == data.test().get(i).label() ? 1 : 0;
        }
        return correct / (double) data.test().size();
    }

    private static String arg(List<String> a, String key, String def) {
        int i = a.indexOf(key);
        return i < 0 ? def : a.get(i + 1);
    }

    private static int num(List<String> a, String key, int def) {
        return Integer.parseInt(arg(a, key, String.valueOf(def)));
    }
}
