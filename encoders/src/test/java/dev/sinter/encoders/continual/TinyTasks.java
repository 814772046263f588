package dev.sinter.encoders.continual;

import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncodedBatch;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.encoders.Pooling;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.models.transformer.LinearLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A tiny random BERT as the frozen backbone and synthetic class-incremental tasks: an item's text is space-separated
 * token ids, and class c draws its 8 tokens from its own range {@code [8c + 1, 8c + 8]}, so classes are separable
 * and tasks over disjoint classes use disjoint vocabularies.
 */
final class TinyTasks {
    static final EncoderConfig CONFIG = new EncoderConfig(2, 32, 4, 64, 100, 16, 2, 1e-12, Pooling.MEAN);

    private TinyTasks() {
    }

    static FrozenEncoder encoder() {
        BertEncoder random = BertEncoder.create(CONFIG, 0, DataType.FLOAT, 5, LinearLayer.DENSE);
        return new FrozenEncoder(CONFIG, DataType.FLOAT, random.parameterSnapshot(), TinyTasks::encode);
    }

    static TrainingConfig training(int steps) {
        return TrainingConfig.of(steps, 8, null, 0.05, null, null, null, null, null, null, null, null, null, null);
    }

    static EncodedBatch encode(List<Item> items) {
        int t = 8;
        int[][] ids = new int[items.size()][t];
        int[][] types = new int[items.size()][t];
        int[][] mask = new int[items.size()][t];
        for (int i = 0; i < items.size(); i++) {
            int[] tokens = Arrays.stream(items.get(i).first().split(" ")).mapToInt(Integer::parseInt).toArray();
            System.arraycopy(tokens, 0, ids[i], 0, Math.min(t, tokens.length));
            Arrays.fill(mask[i], 0, Math.min(t, tokens.length), 1);
        }
        return new EncodedBatch(ids, types, mask);
    }

    /** {@code perClass} items of each class in {@code classes}, texts drawn from {@code vocabClass}'s range. */
    static List<Item> items(int[] classes, int[] vocabClasses, int perClass, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < classes.length; c++) {
                int base = 8 * vocabClasses[c] + 1;
                String text = String.join(" ", IntStream.range(0, 5 + rng.nextInt(4))
                        .mapToObj(j -> Integer.toString(base + rng.nextInt(8))).toList());
                out.add(new Item(text, null, classes[c]));
            }
        }
        return out;
    }

    /** Items of global classes {@code classes} with their own vocabularies. */
    static List<Item> items(int[] classes, int perClass, long seed) {
        return items(classes, classes, perClass, seed);
    }

    static List<String> classNames(int n) {
        return IntStream.range(0, n).mapToObj(c -> "c" + c).toList();
    }
}
